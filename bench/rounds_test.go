package main

import (
	"math"
	"testing"
	"time"
)

func TestBaselineOverRounds(t *testing.T) {
	s := time.Second
	tests := []struct {
		name   string
		before float64
		rounds []pipelineRound
		want   float64
	}{
		{"one round: the mean of before and after", 40, []pipelineRound{{elapsed: 30 * s, after: 30}}, 35},
		{"equal rounds, a steady machine", 40, []pipelineRound{{elapsed: 30 * s, after: 40}, {elapsed: 30 * s, after: 40}}, 40},
		// A slump during the second round only: 40 → 20 → 40. Before and after alone would say 40.
		{"a slump in the middle shows", 40, []pipelineRound{{elapsed: 30 * s, after: 20}, {elapsed: 30 * s, after: 40}}, 30},
		{"a longer round weighs more", 40, []pipelineRound{{elapsed: 10 * s, after: 20}, {elapsed: 30 * s, after: 20}}, (10*30 + 30*20) / 40.0},
		{"no time at all", 40, []pipelineRound{{elapsed: 0, after: 30}}, 0},
	}
	for _, tt := range tests {
		if got := baselineOverRounds(tt.before, tt.rounds); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSplitRoundsKeepsEveryConversationInOrder(t *testing.T) {
	convs := make([]conversation, 10)
	for i := range convs {
		convs[i].ID = string(rune('a' + i))
	}
	for n := 1; n <= 10; n++ {
		parts := splitRounds(convs, n)
		if len(parts) != n {
			t.Fatalf("%d rounds: got %d", n, len(parts))
		}
		var joined []conversation
		for _, p := range parts {
			if len(p) < len(convs)/n || len(p) > len(convs)/n+1 {
				t.Errorf("%d rounds: a round of %d", n, len(p))
			}
			joined = append(joined, p...)
		}
		for i := range convs {
			if joined[i].ID != convs[i].ID {
				t.Fatalf("%d rounds: conversation %d is %q", n, i, joined[i].ID)
			}
		}
	}
}

func TestRoundReportsSetEachRoundAgainstItsNeighbours(t *testing.T) {
	got := roundReports(40, []pipelineRound{{leads: 500, elapsed: 25 * time.Second, after: 20}, {leads: 500, elapsed: 50 * time.Second, after: 40}})
	want := []roundReport{
		{Leads: 500, LeadsPerSecond: 20, BaselineBefore: 40, BaselineAfter: 20, Ratio: 0.667},
		{Leads: 500, LeadsPerSecond: 10, BaselineBefore: 20, BaselineAfter: 40, Ratio: 0.333},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rounds, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("round %d: %+v, want %+v", i+1, got[i], want[i])
		}
	}
}

package main

import "time"

// pipelineRound is one round of the pipeline: how long its conversations took to become leads,
// and the bare engine's rate measured right after it.
type pipelineRound struct {
	leads   int
	elapsed time.Duration
	after   float64 // pipeline-shaped bare workflows per second, measured after the round
}

// roundReport is one round in latest.json, so that a reader sees how the rounds agree.
type roundReport struct {
	Leads          int     `json:"leads"`
	LeadsPerSecond float64 `json:"leads_per_second"`
	// BaselineBefore and BaselineAfter are the pipeline-shaped bare workflows per second
	// measured right before and right after the round.
	BaselineBefore float64 `json:"baseline_before"`
	BaselineAfter  float64 `json:"baseline_after"`
	Ratio          float64 `json:"ratio"`
}

// roundReports sets each round against the bare rates around it.
func roundReports(before float64, rounds []pipelineRound) []roundReport {
	out := make([]roundReport, 0, len(rounds))
	pace := barePace(before, rounds)
	for i, r := range rounds {
		rr := roundReport{Leads: r.leads, BaselineBefore: before, BaselineAfter: r.after}
		if i > 0 {
			rr.BaselineBefore = rounds[i-1].after
		}
		if s := r.elapsed.Seconds(); s > 0 {
			rr.LeadsPerSecond = round(float64(r.leads)/s, 1)
		}
		if pace[i] > 0 {
			rr.Ratio = round(rr.LeadsPerSecond/pace[i], 3)
		}
		out = append(out, rr)
	}
	return out
}

// barePace is, for each round, the mean of the bare rates measured right before and right after
// it: the rate the bare engine would most likely have had while the round ran.
func barePace(before float64, rounds []pipelineRound) []float64 {
	pace := make([]float64, len(rounds))
	prev := before
	for i, r := range rounds {
		pace[i] = (prev + r.after) / 2
		prev = r.after
	}
	return pace
}

// splitRounds cuts convs into n rounds of nearly equal size, in order.
func splitRounds(convs []conversation, n int) [][]conversation {
	out := make([][]conversation, 0, n)
	for i := range n {
		out = append(out, convs[i*len(convs)/n:(i+1)*len(convs)/n])
	}
	return out
}

// baselineOverRounds is the bare engine's rate over the pipeline's time: each round's barePace,
// weighted by the round's length. With one round it is the mean of the rates before and after
// the pipeline.
func baselineOverRounds(before float64, rounds []pipelineRound) float64 {
	var weighted, total float64
	for i, pace := range barePace(before, rounds) {
		t := rounds[i].elapsed.Seconds()
		weighted += t * pace
		total += t
	}
	if total == 0 {
		return 0
	}
	return weighted / total
}

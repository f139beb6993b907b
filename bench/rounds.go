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
	prev := before
	for _, r := range rounds {
		rr := roundReport{Leads: r.leads, BaselineBefore: prev, BaselineAfter: r.after}
		if s := r.elapsed.Seconds(); s > 0 {
			rr.LeadsPerSecond = round(float64(r.leads)/s, 1)
		}
		if mean := (prev + r.after) / 2; mean > 0 {
			rr.Ratio = round(rr.LeadsPerSecond/mean, 3)
		}
		out = append(out, rr)
		prev = r.after
	}
	return out
}

// splitRounds cuts convs into n rounds of nearly equal size, in order.
func splitRounds(convs []conversation, n int) [][]conversation {
	out := make([][]conversation, 0, n)
	for i := range n {
		out = append(out, convs[i*len(convs)/n:(i+1)*len(convs)/n])
	}
	return out
}

// baselineOverRounds is the bare engine's rate over the pipeline's time. Each round counts with the
// mean of the rates measured right before it and right after it, weighted by the round's length:
// the rate the bare engine would most likely have had while that round ran. With one round it is
// the mean of the rates before and after the pipeline.
func baselineOverRounds(before float64, rounds []pipelineRound) float64 {
	var weighted, total float64
	prev := before
	for _, r := range rounds {
		t := r.elapsed.Seconds()
		weighted += t * (prev + r.after) / 2
		total += t
		prev = r.after
	}
	if total == 0 {
		return 0
	}
	return weighted / total
}

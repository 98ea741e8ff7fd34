package main

import (
	"fmt"
	"strings"
)

// goalRow is one line of the goal table: a measure over rounds (or
// instances), and the goal it is judged by.
type goalRow struct {
	what   string
	unit   string
	values []float64
	goal   float64
	atMost bool // the goal is an upper bound; else a lower one
	info   bool // no goal: printed for context
}

// met is true when every value meets the goal: the worst round decides.
func (r goalRow) met() bool {
	if r.info {
		return true
	}
	if len(r.values) == 0 {
		return false
	}
	lo, _, hi := spread(r.values)
	if r.atMost {
		return hi <= r.goal
	}
	return lo >= r.goal
}

// printGoals writes the table and reports whether every goal was met.
func printGoals(rows []goalRow) bool {
	all := true
	fmt.Printf("%-46s %-14s %-30s %s\n", "measure", "goal", "min / median / max", "")
	fmt.Println(strings.Repeat("-", 100))
	for _, r := range rows {
		goal, verdict := "(info)", ""
		if !r.info {
			op := ">="
			if r.atMost {
				op = "<="
			}
			goal = fmt.Sprintf("%s %s %s", op, num(r.goal), r.unit)
			verdict = "met"
			if !r.met() {
				verdict, all = "NOT MET", false
			}
		}
		values := "no value"
		if len(r.values) > 0 {
			lo, mid, hi := spread(r.values)
			values = fmt.Sprintf("%s / %s / %s %s", num(lo), num(mid), num(hi), r.unit)
		}
		fmt.Printf("%-46s %-14s %-30s %s\n", r.what, goal, values, verdict)
	}
	return all
}

// num prints whole numbers without decimals and others with one.
func num(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

package importer

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// MaxReasons bounds the reasons printed per table; the counts stay exact.
const MaxReasons = 20

// TableSummary is what an import did with one upstream table.
type TableSummary struct {
	Table     string
	Read      int
	Created   int
	Updated   int
	Unchanged int
	Skipped   int
	Reasons   []string  // why rows were skipped
	Mapped    []Mapping // select values imported as the choice they stand for
}

func (t *TableSummary) skip(format string, args ...any) {
	t.Skipped++
	t.Reasons = append(t.Reasons, fmt.Sprintf(format, args...))
}

// Summary is the result of one import.
type Summary struct {
	DryRun bool
	Tables []*TableSummary
}

// Changes counts created and updated records.
func (s Summary) Changes() int {
	n := 0
	for _, t := range s.Tables {
		n += t.Created + t.Updated
	}
	return n
}

// Table returns the summary of an upstream table (nil when absent).
func (s Summary) Table(name string) *TableSummary {
	for _, t := range s.Tables {
		if t.Table == name {
			return t
		}
	}
	return nil
}

// Write prints the summary as a table, then the select values mapped to
// their choice, then the reasons for skipped rows.
func (s Summary) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\tread\tcreated\tupdated\tunchanged\tskipped\t")
	var total TableSummary
	for _, t := range s.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", t.Table, t.Read, t.Created, t.Updated, t.Unchanged, t.Skipped)
		total.Read += t.Read
		total.Created += t.Created
		total.Updated += t.Updated
		total.Unchanged += t.Unchanged
		total.Skipped += t.Skipped
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t\n", total.Read, total.Created, total.Updated, total.Unchanged, total.Skipped)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range s.Tables {
		for _, m := range t.Mapped {
			fmt.Fprintf(w, "mapped %s.%s: %q -> %q (%s)\n", t.Table, m.Column, m.From, m.To, plural(m.Rows, "row"))
		}
	}
	for _, t := range s.Tables {
		for i, r := range t.Reasons {
			if i == MaxReasons {
				fmt.Fprintf(w, "skipped %s: ... and %d more\n", t.Table, len(t.Reasons)-MaxReasons)
				break
			}
			fmt.Fprintf(w, "skipped %s: %s\n", t.Table, r)
		}
	}
	verb := "changed"
	if s.DryRun {
		verb = "would change (dry run, nothing written)"
	}
	_, err := fmt.Fprintf(w, "done: %d records %s\n", s.Changes(), verb)
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

package schema

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Upsert writes rows into the table (and its side and M2M tables) within
// tx, as one pipelined batch. Writing the same row twice changes nothing,
// so a batch may be retried after any failure.
func (t Table) Upsert(ctx context.Context, tx pgx.Tx, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	main := upsertSQL(t.Name, t.Columns)
	var ext string
	if t.Ext != nil {
		ext = fmt.Sprintf(`INSERT INTO %s (id, %s%s) VALUES ($1, $1%s) ON CONFLICT (id) DO UPDATE SET %s`,
			q(t.Ext.Table), q(t.Ext.Owner), columnList(t.Ext.Columns, true), placeholders(2, len(t.Ext.Columns)), assignments(t.Ext.Columns))
	}
	for _, r := range rows {
		b.Queue(main, r.Values...)
		if t.Ext != nil {
			b.Queue(ext, append([]any{r.ID}, r.ExtValues...)...)
		}
		for i, m := range t.M2M {
			b.Queue(fmt.Sprintf(`DELETE FROM %s WHERE %s = $1 AND NOT (%s = ANY($2))`, q(m.Table), q(m.Owner), q(m.Target)), r.ID, r.Links[i])
			b.Queue(fmt.Sprintf(`INSERT INTO %s (%s, %s) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, q(m.Table), q(m.Owner), q(m.Target)), r.ID, r.Links[i])
		}
	}
	return tx.SendBatch(ctx, b).Close()
}

// Delete removes rows by id, with their side and M2M rows.
func (t Table) Delete(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, m := range t.M2M {
		b.Queue(fmt.Sprintf(`DELETE FROM %s WHERE %s = ANY($1)`, q(m.Table), q(m.Owner)), ids)
	}
	if t.Ext != nil {
		b.Queue(fmt.Sprintf(`DELETE FROM %s WHERE %s = ANY($1)`, q(t.Ext.Table), q(t.Ext.Owner)), ids)
	}
	b.Queue(fmt.Sprintf(`DELETE FROM %s WHERE id = ANY($1)`, q(t.Name)), ids)
	return tx.SendBatch(ctx, b).Close()
}

// upsertSQL only rewrites a row whose values differ, so replays and
// resyncs of unchanged data cost no table writes.
func upsertSQL(table string, cols []Column) string {
	rest := cols[1:]
	set := assignments(rest)
	var old, neu []string
	for _, c := range rest {
		old = append(old, q(table)+"."+q(c.Name))
		neu = append(neu, "EXCLUDED."+q(c.Name))
	}
	return fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (id) DO UPDATE SET %s WHERE (%s) IS DISTINCT FROM (%s)`,
		q(table), columnList(cols, false), placeholders(1, len(cols)), set, strings.Join(old, ", "), strings.Join(neu, ", "))
}

func columnList(cols []Column, leadingComma bool) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = q(c.Name)
	}
	s := strings.Join(names, ", ")
	if leadingComma && s != "" {
		return ", " + s
	}
	return s
}

// placeholders returns "$from, ..." for n parameters (with a leading comma
// when from > 1, for appending after fixed parameters).
func placeholders(from, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 || from > 1 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "$%d", from+i)
	}
	return sb.String()
}

func assignments(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = q(c.Name) + " = EXCLUDED." + q(c.Name)
	}
	return strings.Join(parts, ", ")
}

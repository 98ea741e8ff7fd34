package api_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/openstream-go/openstream/collections"
)

// Every OpenStream list endpoint of this area, asked by every user of one
// organisation about its own and the other organisation, never answers a
// record of an organisation the user has no role in.
func TestCrossTenantLists(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.ids(t)
	// ids of each organisation's tree: org, suborgs, branches, memberships.
	tree := map[string]map[string]bool{}
	for _, org := range []string{"aarhus", "odense"} {
		ids := map[string]bool{id[org]: true}
		subs, _ := w.app.FindAllRecords(collections.Suborganisations, dbx.HashExp{"organisation": id[org]})
		for _, s := range subs {
			ids[s.Id] = true
			bs, _ := w.app.FindAllRecords(collections.Branches, dbx.HashExp{"suborganisation": s.Id})
			for _, b := range bs {
				ids[b.Id] = true
			}
		}
		ms, _ := w.app.FindAllRecords(collections.Memberships, dbx.HashExp{"organisation": id[org]})
		for _, m := range ms {
			ids[m.Id] = true
		}
		tree[org] = ids
	}
	users := map[string]string{ // user → own organisation
		"alice": "aarhus", "ulla": "aarhus", "aarhus_suborg_admin": "aarhus", "aarhus_employee": "aarhus",
		"olga": "odense", "odense_suborg_admin": "odense", "odense_employee": "odense",
	}
	for name := range users {
		if _, ok := w.users[name]; !ok {
			u, err := w.app.FindFirstRecordByData(collections.Users, "username", name)
			if err != nil {
				t.Fatal(err)
			}
			w.users[name] = u
		}
	}
	var paths []string
	for _, org := range []string{"aarhus", "odense"} {
		paths = append(paths,
			"/api/organisations/",
			"/api/suborganisations/?org_id="+org,
			"/api/branches/?branch_id="+id[org+"_branch"],
			"/api/branches/?branch_id="+id[org+"_global_branch"],
			"/api/branches/?suborg_id="+id[org+"_suborg"],
			"/api/branches/?suborg_id="+id[org+"_global"],
			"/api/user/suborganisations/",
			"/api/organisations/"+org+"/users/",
		)
	}
	for _, other := range w.users {
		paths = append(paths, "/api/memberships/?user="+other.Id)
	}
	checks, leaks := 0, 0
	for name, own := range users {
		foreign := tree["odense"]
		if own == "odense" {
			foreign = tree["aarhus"]
		}
		auth := "Authorization: " + w.bearer(t, name)
		for _, p := range paths {
			got := w.do(t, "GET", p, nil, auth)
			checks++
			if got.Status >= 500 {
				t.Errorf("%s %s: %d", name, p, got.Status)
			}
			if got.Status != 200 {
				continue
			}
			for _, leaked := range idsIn(got.Body) {
				if foreign[leaked] && !strings.Contains(p, "/api/memberships/?user="+w.users[name].Id) {
					leaks++
					t.Errorf("%s %s: record %s of another organisation", name, p, leaked)
				}
			}
		}
	}
	t.Logf("cross-tenant lists: %d users × %d requests = %d checks, %d leaks", len(users), len(paths), checks, leaks)
}

// idsIn collects every "id" and relation id in a JSON answer.
func idsIn(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if n, ok := x.(float64); ok && (k == "id" || k == "organisation" || k == "suborganisation" || k == "branch") {
					out = append(out, strconv.FormatFloat(n, 'f', -1, 64))
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

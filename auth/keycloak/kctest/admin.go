package kctest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func (s *Server) adminRoutes(mux *http.ServeMux) {
	a := "/admin/realms/{realm}"
	mux.HandleFunc("POST /admin/realms", s.adminAuth(s.createRealm))
	mux.HandleFunc("GET "+a, s.adminRealm(s.getRealm))
	mux.HandleFunc("PUT "+a, s.adminRealm(s.updateRealm))
	mux.HandleFunc("GET "+a+"/roles", s.adminRealm(s.listRoles))
	mux.HandleFunc("POST "+a+"/roles", s.adminRealm(s.createRole))
	mux.HandleFunc("GET "+a+"/roles/{name}", s.adminRealm(s.getRole))
	mux.HandleFunc("GET "+a+"/clients", s.adminRealm(s.listClients))
	mux.HandleFunc("POST "+a+"/clients", s.adminRealm(s.createClient))
	mux.HandleFunc("GET "+a+"/clients/{id}", s.adminRealm(s.getClient))
	mux.HandleFunc("GET "+a+"/users", s.adminRealm(s.listUsers))
	mux.HandleFunc("GET "+a+"/users/count", s.adminRealm(s.countUsers))
	mux.HandleFunc("POST "+a+"/users", s.adminRealm(s.createUser))
	mux.HandleFunc("GET "+a+"/users/{id}", s.adminRealm(s.getUser))
	mux.HandleFunc("PUT "+a+"/users/{id}/reset-password", s.adminRealm(s.resetPassword))
	mux.HandleFunc("GET "+a+"/users/{id}/role-mappings/realm", s.adminRealm(s.userRoles))
	mux.HandleFunc("POST "+a+"/users/{id}/role-mappings/realm", s.adminRealm(s.addUserRoles))
}

// adminAuth requires a live master-realm token from admin-cli; handlers run
// holding s.mu.
func (s *Server) adminAuth(h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		master := s.realms[MasterRealm]
		claims, err := master.verify(bearer(req.Header.Get("Authorization")), s.issuer(master), "Bearer")
		if err != nil || claims["azp"] != AdminClientID {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "HTTP 401 Unauthorized"})
			return
		}
		h(w, req)
	}
}

// adminRealm also resolves {realm}.
func (s *Server) adminRealm(h func(http.ResponseWriter, *http.Request, *realm)) http.HandlerFunc {
	return s.adminAuth(func(w http.ResponseWriter, req *http.Request) {
		r := s.realms[req.PathValue("realm")]
		if r == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Realm not found."})
			return
		}
		h(w, req, r)
	})
}

func decodeBody(w http.ResponseWriter, req *http.Request, v any) bool {
	if err := json.NewDecoder(req.Body).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown_error", "error_description": "Invalid JSON: " + err.Error()})
		return false
	}
	return true
}

func (s *Server) createRealm(w http.ResponseWriter, req *http.Request) {
	var rep map[string]any
	if !decodeBody(w, req, &rep) {
		return
	}
	name := stringOf(rep["realm"])
	if name == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errorMessage": "Realm name cannot be empty"})
		return
	}
	if s.realms[name] != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "Conflict detected. See logs for details"})
		return
	}
	delete(rep, "id")
	// Keycloak's defaults for what the representation leaves out.
	extra := map[string]any{"enabled": false, "loginWithEmailAllowed": true, "registrationAllowed": false}
	for k, v := range rep {
		extra[k] = v
	}
	s.newRealm(name, extra)
	w.Header().Set("Location", s.srv.URL+"/admin/realms/"+url.PathEscape(name))
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) getRealm(w http.ResponseWriter, _ *http.Request, r *realm) {
	rep := deepCopy(r.rep)
	// Keycloak never shows the SMTP password.
	if smtp, ok := rep["smtpServer"].(map[string]any); ok && smtp["password"] != nil {
		smtp["password"] = "**********"
	}
	writeJSON(w, http.StatusOK, rep)
}

// updateRealm merges the given top-level fields; the name and id stay.
func (s *Server) updateRealm(w http.ResponseWriter, req *http.Request, r *realm) {
	var rep map[string]any
	if !decodeBody(w, req, &rep) {
		return
	}
	for k, v := range rep {
		if k == "id" || k == "realm" {
			continue
		}
		r.rep[k] = v
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *realm) roleRep(ro *role) map[string]any {
	rep := map[string]any{"id": ro.id, "name": ro.name, "composite": ro.name == "default-roles-"+r.name, "clientRole": false, "containerId": r.id}
	if ro.description != "" {
		rep["description"] = ro.description
	}
	return rep
}

func (s *Server) listRoles(w http.ResponseWriter, _ *http.Request, r *realm) {
	out := []map[string]any{}
	for _, ro := range r.roles {
		out = append(out, r.roleRep(ro))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createRole(w http.ResponseWriter, req *http.Request, r *realm) {
	var rep struct{ Name, Description string }
	if !decodeBody(w, req, &rep) {
		return
	}
	if rep.Name == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errorMessage": "Role name is missing"})
		return
	}
	if r.role(rep.Name) != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "Role with name " + rep.Name + " already exists"})
		return
	}
	r.roles = append(r.roles, &role{id: uuid.NewString(), name: rep.Name, description: rep.Description})
	w.Header().Set("Location", s.srv.URL+"/admin/realms/"+url.PathEscape(r.name)+"/roles/"+url.PathEscape(rep.Name))
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) getRole(w http.ResponseWriter, req *http.Request, r *realm) {
	ro := r.role(req.PathValue("name"))
	if ro == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Could not find role"})
		return
	}
	writeJSON(w, http.StatusOK, r.roleRep(ro))
}

func (s *Server) listClients(w http.ResponseWriter, req *http.Request, r *realm) {
	want := req.URL.Query().Get("clientId")
	out := []map[string]any{}
	for _, c := range r.clients {
		if want == "" || c.clientID == want {
			out = append(out, c.representation())
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createClient(w http.ResponseWriter, req *http.Request, r *realm) {
	var rep map[string]any
	if !decodeBody(w, req, &rep) {
		return
	}
	c := clientFromRep(rep)
	if c.clientID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errorMessage": "Client id is missing"})
		return
	}
	if r.client(c.clientID) != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "Client " + c.clientID + " already exists"})
		return
	}
	r.clients = append(r.clients, c)
	w.Header().Set("Location", s.srv.URL+"/admin/realms/"+url.PathEscape(r.name)+"/clients/"+c.id)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) getClient(w http.ResponseWriter, req *http.Request, r *realm) {
	for _, c := range r.clients {
		if c.id == req.PathValue("id") {
			writeJSON(w, http.StatusOK, c.representation())
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "Could not find client"})
}

func (u *user) representation(brief bool) map[string]any {
	rep := map[string]any{
		"id": u.ID, "username": u.Username, "emailVerified": u.EmailVerified, "enabled": !u.Disabled,
		"createdTimestamp": u.created.UnixMilli(), "totp": false,
	}
	for k, v := range map[string]string{"email": u.Email, "firstName": u.FirstName, "lastName": u.LastName} {
		if v != "" {
			rep[k] = v
		}
	}
	if !brief {
		actions := []string{}
		if u.Temporary {
			actions = append(actions, "UPDATE_PASSWORD")
		}
		rep["requiredActions"] = actions
		rep["disableableCredentialTypes"] = []string{}
		rep["notBefore"] = 0
		rep["access"] = map[string]bool{"manage": true, "manageGroupMembership": true, "view": true, "mapRoles": true, "impersonate": true}
	}
	return rep
}

// filterUsers applies the search parameters of GET .../users (sorted by username).
func (r *realm) filterUsers(q url.Values) []*user {
	var out []*user
	exact := q.Get("exact") == "true"
	match := func(have, want string) bool {
		want = strings.ToLower(want)
		if exact {
			return have == want
		}
		return strings.Contains(have, want)
	}
	for _, u := range r.sortedUsers() {
		if v := q.Get("username"); v != "" && !match(u.Username, v) {
			continue
		}
		if v := q.Get("email"); v != "" && !match(u.Email, v) {
			continue
		}
		if v := strings.ToLower(strings.Trim(q.Get("search"), "*")); v != "" &&
			!strings.Contains(u.Username, v) && !strings.Contains(u.Email, v) &&
			!strings.Contains(strings.ToLower(u.FirstName+" "+u.LastName), v) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func (s *Server) listUsers(w http.ResponseWriter, req *http.Request, r *realm) {
	q := req.URL.Query()
	users := r.filterUsers(q)
	first, _ := strconv.Atoi(q.Get("first"))
	max, err := strconv.Atoi(q.Get("max"))
	if err != nil {
		max = 100
	}
	first = min(max0(first), len(users))
	users = users[first:min(first+max0(max), len(users))]
	out := []map[string]any{}
	for _, u := range users {
		out = append(out, u.representation(q.Get("briefRepresentation") == "true"))
	}
	writeJSON(w, http.StatusOK, out)
}

func max0(n int) int { return max(n, 0) }

func (s *Server) countUsers(w http.ResponseWriter, req *http.Request, r *realm) {
	writeJSON(w, http.StatusOK, len(r.filterUsers(req.URL.Query())))
}

func (s *Server) getUser(w http.ResponseWriter, req *http.Request, r *realm) {
	u := r.userByID(req.PathValue("id"))
	if u == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "User not found"})
		return
	}
	writeJSON(w, http.StatusOK, u.representation(false))
}

type credential struct {
	Type      string `json:"type"`
	Value     string `json:"value"`
	Temporary bool   `json:"temporary"`
}

func (s *Server) createUser(w http.ResponseWriter, req *http.Request, r *realm) {
	var rep struct {
		Username      string       `json:"username"`
		Email         string       `json:"email"`
		FirstName     string       `json:"firstName"`
		LastName      string       `json:"lastName"`
		Enabled       bool         `json:"enabled"`
		EmailVerified bool         `json:"emailVerified"`
		Credentials   []credential `json:"credentials"`
	}
	if !decodeBody(w, req, &rep) {
		return
	}
	if strings.TrimSpace(rep.Username) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"field": "username", "errorMessage": "error-user-attribute-required", "params": []string{"username"}})
		return
	}
	if r.userByName(rep.Username) != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "User exists with same username"})
		return
	}
	if r.userByEmail(rep.Email) != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "User exists with same email"})
		return
	}
	u := &user{created: time.Now(), User: User{
		ID: uuid.NewString(), Username: strings.ToLower(rep.Username), Email: strings.ToLower(rep.Email),
		FirstName: rep.FirstName, LastName: rep.LastName, EmailVerified: rep.EmailVerified, Disabled: !rep.Enabled,
	}}
	for _, c := range rep.Credentials {
		if c.Type == "password" {
			u.Password, u.Temporary = c.Value, c.Temporary
		}
	}
	r.users = append(r.users, u)
	w.Header().Set("Location", s.srv.URL+"/admin/realms/"+url.PathEscape(r.name)+"/users/"+u.ID)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) resetPassword(w http.ResponseWriter, req *http.Request, r *realm) {
	u := r.userByID(req.PathValue("id"))
	if u == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "User not found"})
		return
	}
	var c credential
	if !decodeBody(w, req, &c) {
		return
	}
	if c.Type != "password" || c.Value == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "missingPasswordMessage", "error_description": "Please specify password."})
		return
	}
	u.Password, u.Temporary = c.Value, c.Temporary
	w.WriteHeader(http.StatusNoContent)
}

// userRoles lists direct realm role mappings; Keycloak shows the default
// role among them.
func (s *Server) userRoles(w http.ResponseWriter, req *http.Request, r *realm) {
	u := r.userByID(req.PathValue("id"))
	if u == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "User not found"})
		return
	}
	out := []map[string]any{r.roleRep(r.role("default-roles-" + r.name))}
	for _, name := range u.RealmRoles {
		if ro := r.role(name); ro != nil {
			out = append(out, r.roleRep(ro))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) addUserRoles(w http.ResponseWriter, req *http.Request, r *realm) {
	u := r.userByID(req.PathValue("id"))
	if u == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "User not found"})
		return
	}
	var reps []struct{ ID, Name string }
	if !decodeBody(w, req, &reps) {
		return
	}
	// Check every role first so a bad one changes nothing.
	var names []string
	for _, rep := range reps {
		ro := r.roleByID(rep.ID)
		if ro == nil {
			ro = r.role(rep.Name)
		}
		if ro == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Role not found"})
			return
		}
		names = append(names, ro.name)
	}
	for _, n := range names {
		if !slices.Contains(u.RealmRoles, n) {
			u.RealmRoles = append(u.RealmRoles, n)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func readAll(t testing.TB, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("kctest: read body: %v", err)
	}
	return string(b)
}

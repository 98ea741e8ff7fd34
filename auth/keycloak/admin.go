package keycloak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Admin calls Keycloak's admin REST API as the master-realm administrator.
type Admin struct {
	cfg  Config
	base string // InternalURL
	http *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// RoleRepresentation is a realm role representation (the fields used here).
type RoleRepresentation struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// UserRepresentation is a Keycloak user representation (the fields used here).
type UserRepresentation struct {
	ID            string                     `json:"id,omitempty"`
	Username      string                     `json:"username"`
	Email         string                     `json:"email,omitempty"`
	FirstName     string                     `json:"firstName,omitempty"`
	LastName      string                     `json:"lastName,omitempty"`
	Enabled       bool                       `json:"enabled"`
	EmailVerified bool                       `json:"emailVerified"`
	Credentials   []CredentialRepresentation `json:"credentials,omitempty"`
}

// CredentialRepresentation is a password credential.
type CredentialRepresentation struct {
	Type      string `json:"type"`
	Value     string `json:"value"`
	Temporary bool   `json:"temporary"`
}

// APIError is a non-2xx answer from Keycloak.
type APIError struct {
	Method, Path string
	Status       int
	// Message is Keycloak's error text (errorMessage, error_description or
	// error), else the raw body.
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("keycloak: %s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Message)
}

// IsStatus reports whether err is a Keycloak answer with that status.
func IsStatus(err error, status int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == status
}

// NewAdmin logs in with the password grant on realm master, client
// admin-cli, at cfg.InternalURL (the back channel; upstream used the public
// host for the sync command, which only works where both are reachable).
func NewAdmin(ctx context.Context, cfg Config) (*Admin, error) {
	if !cfg.Enabled() {
		return nil, ErrNotConfigured
	}
	a := &Admin{cfg: cfg, base: strings.TrimRight(cfg.InternalURL, "/"), http: &http.Client{Timeout: cfg.Timeout}}
	if err := a.login(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// ErrNotConfigured is returned when neither KEYCLOAK_URL nor KEYCLOAK_HOST is set.
var ErrNotConfigured = errors.New("Keycloak is not configured: set KEYCLOAK_URL or KEYCLOAK_HOST")

func (a *Admin) login(ctx context.Context) error {
	form := url.Values{
		"grant_type": {"password"}, "client_id": {"admin-cli"},
		"username": {a.cfg.AdminUsername}, "password": {a.cfg.AdminPassword},
	}
	path := "/realms/master/protocol/openid-connect/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := a.send(req, path, &tok); err != nil {
		return fmt.Errorf("admin login as %q: %w", a.cfg.AdminUsername, err)
	}
	if tok.AccessToken == "" {
		return fmt.Errorf("admin login as %q: no access_token in the answer", a.cfg.AdminUsername)
	}
	a.token = tok.AccessToken
	a.expires = time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	return nil
}

// bearer returns a live admin token; master admin tokens last only 60 s by
// default, so a long sync logs in again before the token runs out.
func (a *Admin) bearer(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if time.Until(a.expires) < 10*time.Second {
		if err := a.login(ctx); err != nil {
			return "", err
		}
	}
	return a.token, nil
}

// do sends an admin API call; body (if not nil) goes as JSON, and a 2xx
// answer is decoded into out (if not nil). It returns the response headers.
func (a *Admin) do(ctx context.Context, method, path string, body, out any) (http.Header, error) {
	token, err := a.bearer(ctx)
	if err != nil {
		return nil, err
	}
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	var header http.Header
	err = a.sendHeader(req, path, out, &header)
	return header, err
}

func (a *Admin) send(req *http.Request, path string, out any) error {
	return a.sendHeader(req, path, out, nil)
}

func (a *Admin) sendHeader(req *http.Request, path string, out any, header *http.Header) error {
	res, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("keycloak: %s %s: %w", req.Method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("keycloak: %s %s: %w", req.Method, path, err)
	}
	if header != nil {
		*header = res.Header
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &APIError{Method: req.Method, Path: path, Status: res.StatusCode, Message: errorText(raw)}
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("keycloak: %s %s: unexpected answer: %w", req.Method, path, err)
		}
	}
	return nil
}

// errorText picks Keycloak's message out of an error body.
func errorText(raw []byte) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		for _, k := range []string{"errorMessage", "error_description", "error"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	s := strings.TrimSpace(string(raw))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}

func realmPath(realm string) string { return "/admin/realms/" + url.PathEscape(realm) }

// RealmExists reports whether realm exists.
func (a *Admin) RealmExists(ctx context.Context, realm string) (bool, error) {
	_, err := a.do(ctx, http.MethodGet, realmPath(realm), nil, nil)
	if IsStatus(err, http.StatusNotFound) {
		return false, nil
	}
	return err == nil, err
}

// CreateRealm posts a realm representation (which must carry "realm").
func (a *Admin) CreateRealm(ctx context.Context, rep map[string]any) error {
	_, err := a.do(ctx, http.MethodPost, "/admin/realms", rep, nil)
	return err
}

// UpdateRealm changes the given top-level fields of realm.
func (a *Admin) UpdateRealm(ctx context.Context, realm string, fields map[string]any) error {
	_, err := a.do(ctx, http.MethodPut, realmPath(realm), fields, nil)
	return err
}

// RealmRole returns a realm role; a missing role is an *APIError with status 404.
func (a *Admin) RealmRole(ctx context.Context, realm, name string) (RoleRepresentation, error) {
	var r RoleRepresentation
	_, err := a.do(ctx, http.MethodGet, realmPath(realm)+"/roles/"+url.PathEscape(name), nil, &r)
	return r, err
}

// EnsureRealmRole creates the realm role unless it exists, and reports
// whether it did. An existing role keeps its description.
func (a *Admin) EnsureRealmRole(ctx context.Context, realm, name, description string) (created bool, err error) {
	_, err = a.RealmRole(ctx, realm, name)
	if err == nil {
		return false, nil
	}
	if !IsStatus(err, http.StatusNotFound) {
		return false, err
	}
	_, err = a.do(ctx, http.MethodPost, realmPath(realm)+"/roles", RoleRepresentation{Name: name, Description: description}, nil)
	return err == nil, err
}

// FindClient returns the representation of the client with that clientId,
// or nil when the realm has none.
func (a *Admin) FindClient(ctx context.Context, realm, clientID string) (map[string]any, error) {
	var list []map[string]any
	if _, err := a.do(ctx, http.MethodGet, realmPath(realm)+"/clients?clientId="+url.QueryEscape(clientID), nil, &list); err != nil {
		return nil, err
	}
	for _, c := range list {
		if c["clientId"] == clientID {
			return c, nil
		}
	}
	return nil, nil
}

// CreateClient posts a client representation and returns the new client's id.
func (a *Admin) CreateClient(ctx context.Context, realm string, rep map[string]any) (string, error) {
	h, err := a.do(ctx, http.MethodPost, realmPath(realm)+"/clients", rep, nil)
	if err != nil {
		return "", err
	}
	return lastSegment(h.Get("Location")), nil
}

// FindUser looks a user up by exact username (Keycloak compares
// case-insensitively); nil when there is none.
func (a *Admin) FindUser(ctx context.Context, realm, username string) (*UserRepresentation, error) {
	var list []UserRepresentation
	q := url.Values{"username": {username}, "exact": {"true"}}
	if _, err := a.do(ctx, http.MethodGet, realmPath(realm)+"/users?"+q.Encode(), nil, &list); err != nil {
		return nil, err
	}
	for i := range list {
		if strings.EqualFold(list[i].Username, username) {
			return &list[i], nil
		}
	}
	return nil, nil
}

// CreateUser creates u (credentials included) and returns its id.
func (a *Admin) CreateUser(ctx context.Context, realm string, u UserRepresentation) (string, error) {
	h, err := a.do(ctx, http.MethodPost, realmPath(realm)+"/users", u, nil)
	if err != nil {
		return "", err
	}
	id := lastSegment(h.Get("Location"))
	if id == "" {
		return "", fmt.Errorf("keycloak: created user %q but got no Location", u.Username)
	}
	return id, nil
}

// CountUsers returns the number of users in realm.
func (a *Admin) CountUsers(ctx context.Context, realm string) (int, error) {
	var n int
	_, err := a.do(ctx, http.MethodGet, realmPath(realm)+"/users/count", nil, &n)
	return n, err
}

// ListUsers returns one page of realm's users (brief representation).
func (a *Admin) ListUsers(ctx context.Context, realm string, first, max int) ([]UserRepresentation, error) {
	var list []UserRepresentation
	q := url.Values{"first": {strconv.Itoa(first)}, "max": {strconv.Itoa(max)}, "briefRepresentation": {"true"}}
	_, err := a.do(ctx, http.MethodGet, realmPath(realm)+"/users?"+q.Encode(), nil, &list)
	return list, err
}

// ResetPassword sets the user's password; a temporary one must be changed
// at the next login.
func (a *Admin) ResetPassword(ctx context.Context, realm, userID, password string, temporary bool) error {
	_, err := a.do(ctx, http.MethodPut, realmPath(realm)+"/users/"+url.PathEscape(userID)+"/reset-password",
		CredentialRepresentation{Type: "password", Value: password, Temporary: temporary}, nil)
	return err
}

// UserRealmRoles lists the names of the realm roles mapped directly to the user.
func (a *Admin) UserRealmRoles(ctx context.Context, realm, userID string) ([]string, error) {
	var roles []RoleRepresentation
	if _, err := a.do(ctx, http.MethodGet, realmPath(realm)+"/users/"+url.PathEscape(userID)+"/role-mappings/realm", nil, &roles); err != nil {
		return nil, err
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.Name
	}
	return names, nil
}

// AddRealmRoles maps the named realm roles to the user.
func (a *Admin) AddRealmRoles(ctx context.Context, realm, userID string, names ...string) error {
	reps := make([]RoleRepresentation, 0, len(names))
	for _, n := range names {
		// Keycloak wants the role's id along with its name.
		r, err := a.RealmRole(ctx, realm, n)
		if err != nil {
			return err
		}
		reps = append(reps, r)
	}
	_, err := a.do(ctx, http.MethodPost, realmPath(realm)+"/users/"+url.PathEscape(userID)+"/role-mappings/realm", reps, nil)
	return err
}

func lastSegment(location string) string {
	location = strings.TrimRight(location, "/")
	if i := strings.LastIndex(location, "/"); i >= 0 {
		return location[i+1:]
	}
	return ""
}

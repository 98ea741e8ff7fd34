package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/crypto/bcrypt"

	"github.com/openstream-go/openstream/auth/apikey"
	"github.com/openstream-go/openstream/collections"
	"github.com/openstream-go/openstream/collections/provision"
	"github.com/openstream-go/openstream/hooks"
	_ "github.com/openstream-go/openstream/pb_migrations" // the schema
	"github.com/openstream-go/openstream/settings"
)

// The organisation CreateOrganisation makes; its suborg admin (password =
// username) may manage every screen of "Demo Branch".
const (
	benchOrg      = "bench"
	benchUser     = benchOrg + "_suborg_admin"
	benchBranch   = "Demo Branch"
	benchSUEmail  = "bench@example.dk"
	benchSUPasswd = "bench-password-1"
)

// seeded is what the bench needs to know about the data it made.
type seeded struct {
	Branch    string
	Key       string // the branch's API key
	Slideshow string // every group's default
	Emergency string // the slideshow the emergency plays
	Groups    []string
	Screens   []string // screen i is in group i % len(Groups)
	// Editors are access tokens of org admins who may edit Slideshow.
	Editors []string
}

// welcomeText fills the slides every group plays by default.
const welcomeText = "Biblioteket holder åbent for alle borgere. "

// Content sizes: "realistic" is a municipality's news screen (20 slides,
// four text blocks each, about 38 KB of slideshow_data, as in
// tests/bench/screens.sh); "small" is one short slide.
const (
	contentRealistic = "realistic"
	contentSmall     = "small"
)

// seed creates a fresh PocketBase data dir with one organisation, two
// slideshows of the given content size, groups groups, n screens spread
// over them and editors org admins. Everything goes through the model
// hooks, as it would through the API; groups and screens are written in
// one transaction.
func seed(dir string, n, groups, editors int, content string) (*seeded, error) {
	if groups < 1 || n < 1 {
		return nil, fmt.Errorf("need at least one group and one screen (groups=%d, n=%d)", groups, n)
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	defer func() { _ = app.ClearBootstrap() }()
	hooks.Register(app, settings.FromEnv(os.Getenv).TimeZone)
	if err := app.RunAllMigrations(); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	if err := superuser(app); err != nil {
		return nil, err
	}
	if _, err := provision.CreateOrganisation(app, "Bench Kommune", benchOrg); err != nil {
		return nil, fmt.Errorf("create organisation: %w", err)
	}
	branch, err := app.FindFirstRecordByData(collections.Branches, "name", benchBranch)
	if err != nil {
		return nil, fmt.Errorf("branch %q: %w", benchBranch, err)
	}
	key, err := apikey.ForBranch(app, branch.Id)
	if err != nil {
		return nil, fmt.Errorf("api key of %q: %w", benchBranch, err)
	}
	s := &seeded{Branch: branch.Id, Key: key.GetString("key")}
	if s.Key == "" {
		return nil, fmt.Errorf("branch %q has an empty API key", benchBranch)
	}
	err = app.RunInTransaction(func(tx core.App) error {
		var err error
		if s.Slideshow, err = save(tx, collections.Slideshows, map[string]any{
			"name": "bench welcome", "branch": branch.Id, "slideshow_data": slideshowData(content, welcomeText),
		}); err != nil {
			return err
		}
		if s.Emergency, err = save(tx, collections.Slideshows, map[string]any{
			"name": "bench emergency", "branch": branch.Id, "is_emergency_slideshow": true,
			"slideshow_data": slideshowData(content, "Forlad bygningen ad nærmeste nødudgang. "),
		}); err != nil {
			return err
		}
		for g := range groups {
			id, err := save(tx, collections.DisplayWebsiteGroups, map[string]any{
				"name": fmt.Sprintf("bench group %03d", g), "branch": branch.Id,
				"aspect_ratio": collections.DefaultAspectRatio, "default_slideshow": s.Slideshow,
			})
			if err != nil {
				return err
			}
			s.Groups = append(s.Groups, id)
		}
		s.Screens = make([]string, 0, n)
		for i := range n {
			id, err := save(tx, collections.DisplayWebsites, map[string]any{
				"name": fmt.Sprintf("bench screen %05d", i), "uid": fmt.Sprintf("bench-%05d", i),
				"branch": branch.Id, "aspect_ratio": collections.DefaultAspectRatio,
				"display_website_group": s.Groups[i%groups],
			})
			if err != nil {
				return err
			}
			s.Screens = append(s.Screens, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.Editors, err = seedEditors(app, editors); err != nil {
		return nil, err
	}
	return s, nil
}

// seedEditors creates n org admins of the bench organisation and returns
// their access tokens. They share one password hash, made once at a low
// bcrypt cost: a thousand hashes at the default cost would take a minute
// and measure nothing.
func seedEditors(app core.App, n int) ([]string, error) {
	if n == 0 {
		return nil, nil
	}
	org, err := app.FindFirstRecordByData(collections.Organisations, "uri_name", benchOrg)
	if err != nil {
		return nil, fmt.Errorf("organisation %q: %w", benchOrg, err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-editor"), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	tokens := make([]string, 0, n)
	err = app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			u, err := collections.NewRecord(tx, collections.Users)
			if err != nil {
				return err
			}
			u.Load(map[string]any{"username": fmt.Sprintf("editor%04d", i), "first_name": "Redaktør", "last_name": fmt.Sprintf("%04d", i), "is_active": true})
			u.SetRaw("password", &core.PasswordFieldValue{Hash: string(hash)})
			if err := tx.Save(u); err != nil {
				return fmt.Errorf("editor %d: %w", i, err)
			}
			if _, err := save(tx, collections.Memberships, map[string]any{"user": u.Id, "role": collections.RoleOrgAdmin, "organisation": org.Id}); err != nil {
				return err
			}
			token, err := u.NewAuthToken()
			if err != nil {
				return err
			}
			tokens = append(tokens, token)
		}
		return nil
	})
	return tokens, err
}

// superuser keeps PocketBase's serve from announcing its installer.
func superuser(app core.App) error {
	c, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return err
	}
	su := core.NewRecord(c)
	su.SetEmail(benchSUEmail)
	su.SetPassword(benchSUPasswd)
	if err := app.Save(su); err != nil {
		return fmt.Errorf("superuser: %w", err)
	}
	return nil
}

func save(app core.App, collection string, fields map[string]any) (string, error) {
	r, err := collections.NewRecord(app, collection)
	if err != nil {
		return "", err
	}
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		return "", fmt.Errorf("%s %v: %w", collection, fields["name"], err)
	}
	return r.Id, nil
}

// slideshowData is the slideshow_data of the given size with text.
func slideshowData(content, text string) map[string]any {
	slides, blocks, repeat := 20, 4, 9
	if content == contentSmall {
		slides, blocks, repeat = 1, 1, 1
	}
	out := make([]any, slides)
	for i := range out {
		elements := make([]any, blocks)
		for j := range elements {
			elements[j] = map[string]any{
				"id": j, "type": "text", "x": 10 * j, "y": 40, "fontSize": "48",
				"text": strings.Repeat(text, repeat),
			}
		}
		out[i] = map[string]any{"id": i, "duration": 12, "elements": elements}
	}
	return map[string]any{"slides": out}
}

package keycloak

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/openstream-go/openstream/rest"
)

// errorPage is upstream's Danish "no access" page for browser navigations.
var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Adgang nægtet | OpenStream</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1f2933;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}
main{background:#fff;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2.5rem;max-width:32rem}
img{height:40px;margin-bottom:1.5rem}.status{color:#6b7280}pre{white-space:pre-wrap;word-break:break-word;background:#f4f5f7;padding:1rem}
</style>
</head>
<body>
<main>
<img src="{{.Logo}}" alt="OpenStream">
<h1>Ingen adgang til OpenStream</h1>
<p class="status">Fejlkode {{.Status}}</p>
<p><a href="{{.SignIn}}">Prøv at logge ind igen</a></p>
<details><summary>Detaljer</summary><pre>{{.Detail}}</pre></details>
</main>
</body>
</html>
`))

// browserErrors renders errors of fn as the HTML page when a browser
// navigated here (its Accept header has text/html), as upstream does on
// /auth/code/; API clients keep the JSON answer.
func (l *Login) browserErrors(fn func(e *core.RequestEvent) error) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		err := fn(e)
		if err == nil || !strings.Contains(e.Request.Header.Get("Accept"), "text/html") {
			return err
		}
		apiErr, ok := err.(*rest.Error)
		if !ok {
			e.App.Logger().Error("keycloak sign-in", "error", err)
			apiErr = rest.Detail(http.StatusInternalServerError, rest.MsgServerError)
		}
		detail, _ := json.MarshalIndent(apiErr.Body, "", "  ")
		signIn := l.site.FrontendHost
		if org := e.Request.URL.Query().Get("org"); org != "" {
			signIn += "/" + org + "/sign-in"
		}
		e.Response.Header().Set("Content-Type", "text/html; charset=utf-8")
		e.Response.WriteHeader(apiErr.Status)
		return errorPage.Execute(e.Response, map[string]any{
			"Logo":   l.site.FrontendHost + "/openstream_logo_light.svg",
			"Status": apiErr.Status,
			"SignIn": signIn,
			"Detail": string(detail),
		})
	}
}

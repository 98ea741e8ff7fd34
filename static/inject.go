package static

import (
	"bytes"
	"encoding/json"
)

// Inject puts the page-context script before the first </head> of html (or
// at its start when it has none), as the frontend's Express server did: it
// sets window.OPENSTREAM_CONTEXT, and window.ORG_NAME, SUB_ORG and BRANCH
// for the parts the path named.
func Inject(html []byte, ctx Context) []byte {
	// json.Marshal escapes <, > and & (and U+2028/9), so no value can end
	// the script element or the JavaScript statement.
	payload, _ := json.Marshal(ctx)
	script := make([]byte, 0, len(payload)+256)
	script = append(script, "<script>window.OPENSTREAM_CONTEXT = "...)
	script = append(script, payload...)
	script = append(script, ";"+
		"if (window.OPENSTREAM_CONTEXT.orgName) window.ORG_NAME = window.OPENSTREAM_CONTEXT.orgName;"+
		"if (window.OPENSTREAM_CONTEXT.subOrg) window.SUB_ORG = window.OPENSTREAM_CONTEXT.subOrg;"+
		"if (window.OPENSTREAM_CONTEXT.branch) window.BRANCH = window.OPENSTREAM_CONTEXT.branch;"+
		"</script>"...)

	at := bytes.Index(html, []byte("</head>"))
	if at < 0 {
		at = 0
	}
	out := make([]byte, 0, len(html)+len(script))
	out = append(out, html[:at]...)
	out = append(out, script...)
	return append(out, html[at:]...)
}

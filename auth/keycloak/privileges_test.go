package keycloak

import (
	"encoding/base64"
	"reflect"
	"testing"
)

func TestPrivilegeKeys(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, claim string
		want        []string
	}{
		{"two privileges", b64(`<PrivilegeList><PrivilegeGroup><Privilege>http://kombit.dk/roles/org_admin/1234</Privilege><Privilege>http://kombit.dk/roles/org_user/99</Privilege></PrivilegeGroup></PrivilegeList>`), []string{"org_admin", "org_user"}},
		{"namespaced elements do not count", b64(`<bpp:PrivilegeList xmlns:bpp="urn:x"><bpp:Privilege>http://a/org_admin/1</bpp:Privilege></bpp:PrivilegeList>`), nil},
		{"default namespace does not count", b64(`<PrivilegeList xmlns="urn:x"><Privilege>http://a/org_admin/1</Privilege></PrivilegeList>`), nil},
		{"unpadded url-safe base64", base64.RawURLEncoding.EncodeToString([]byte(`<Privilege>x/org_user/2</Privilege>`)), []string{"org_user"}},
		{"no slash", b64(`<Privilege>org_admin</Privilege>`), nil},
		{"not base64", "%%%", nil},
		{"not XML", b64("hello"), nil},
		{"truncated XML keeps what was read", b64(`<L><Privilege>a/org_admin/1</Privilege><Privilege>a/org_user`), []string{"org_admin"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PrivilegeKeys(tt.claim)
			want := map[string]bool{}
			for _, k := range tt.want {
				want[k] = true
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func FuzzPrivilegeKeys(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<Privilege>http://a/org_admin/1</Privilege>`)))
	f.Add("PFByaXZpbGVnZT4=")
	f.Add("")
	f.Fuzz(func(t *testing.T, claim string) {
		for key := range PrivilegeKeys(claim) {
			if key == "" {
				t.Fatal("empty key")
			}
		}
	})
}

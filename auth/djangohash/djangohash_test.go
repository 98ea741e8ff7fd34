package djangohash

import "testing"

// Vectors computed independently with Python's hashlib.pbkdf2_hmac, which
// is what Django's PBKDF2PasswordHasher calls.
func TestCheck(t *testing.T) {
	cases := []struct {
		name, password, encoded string
		want                    bool
	}{
		{"django docs style", "lètmein", "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=", true},
		{"low iterations", "superadmin", "pbkdf2_sha256$1000$abc123$mNQvfeKjBM5Nts3wLFaZh1qr904/sbZXgEj2sDzKvvM=", true},
		{"empty password", "", "pbkdf2_sha256$1$s$hlaZvx+fQUB7nsOXctgpvyJ4ixMmVOdSfNbS+6nH3wk=", true},
		{"sha1 hasher", "pw", "pbkdf2_sha1$2000$salt$9x+MphbI7T8IG3e2gE7gtz4lPuY=", true},
		{"wrong password", "letmein", "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=", false},
		{"wrong salt", "superadmin", "pbkdf2_sha256$1000$abc124$mNQvfeKjBM5Nts3wLFaZh1qr904/sbZXgEj2sDzKvvM=", false},
		{"unusable password", "x", "!Kq2y0Jv6aZ", false},
		{"empty hash", "", "", false},
		{"unknown algorithm", "pw", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA", false},
		{"bad iterations", "pw", "pbkdf2_sha256$abc$salt$mNQvfeKjBM5Nts3wLFaZh1qr904/sbZXgEj2sDzKvvM=", false},
		{"too many iterations", "pw", "pbkdf2_sha256$99999999999$salt$mNQvfeKjBM5Nts3wLFaZh1qr904/sbZXgEj2sDzKvvM=", false},
		{"bad base64", "pw", "pbkdf2_sha256$1000$salt$***", false},
		{"short key", "pw", "pbkdf2_sha256$1000$salt$AAAA", false},
	}
	for _, c := range cases {
		if got := Check(c.password, c.encoded); got != c.want {
			t.Errorf("%s: Check = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMakeRoundTrip(t *testing.T) {
	encoded := Make("superadmin", "abc123", 1000)
	if encoded != "pbkdf2_sha256$1000$abc123$mNQvfeKjBM5Nts3wLFaZh1qr904/sbZXgEj2sDzKvvM=" {
		t.Fatalf("Make = %s", encoded)
	}
	if !Check("superadmin", encoded) {
		t.Fatal("Make's output does not check")
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("pw", "pbkdf2_sha256$1$s$hlaZvx+fQUB7nsOXctgpvyJ4ixMmVOdSfNbS+6nH3wk=")
	f.Add("", "$$$")
	f.Fuzz(func(t *testing.T, password, encoded string) {
		_ = Check(password, encoded) // must not panic; iterations are capped
	})
}

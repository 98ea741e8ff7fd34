package slug

import "testing"

func TestDjango(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Brøndby Kommune", "brndby-kommune"},
		{"Brøndby", "brndby"},
		{"Århus", "arhus"},
		{"Kæge Ø", "kge"},
		{"admin_realm", "admin_realm"},
		{"  Hello   World  ", "hello-world"},
		{"a - b -- c", "a-b-c"},
		{"-_trim me_-", "trim-me"},
		{"Köln!?", "koln"},
		{"ﬁle", "file"}, // NFKD expands the ligature
		{"tab\there", "tab-here"},
		{"sep\x1cx", "sep-x"},
		{"ØÆ", ""},
		{"", ""},
		{"kk", "kk"},
		{"UPPER_case-Mixed 42", "upper_case-mixed-42"},
	}
	for _, c := range cases {
		if got := Django(c.in); got != c.want {
			t.Errorf("Django(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzDjango(f *testing.F) {
	for _, s := range []string{"Brøndby", "a--b", " x ", "\x1c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Django(in)
		if Django(out) != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, Django(out))
		}
		for _, r := range out {
			if !(isWord(r) || r == '-') || ('A' <= r && r <= 'Z') {
				t.Fatalf("unexpected rune %q in %q", r, out)
			}
		}
	})
}

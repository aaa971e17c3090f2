package grammar

import (
	"encoding/json"
	"testing"
)

// FuzzMatcher feeds arbitrary bytes, skipping the rejected ones: it must
// never panic, Allowed must agree with Feed, and whatever it accepts as
// complete must be valid JSON (and valid against the schema).
func FuzzMatcher(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-3,"x\u00e9",true,null]}`, `{"name":"Jo","age":4}`, "[\"\xe4\xb8\x96\"]", `-0.1E+9`} {
		f.Add([]byte(s))
	}
	schema := []byte(walkSchemas[2])
	gs := []*Grammar{JSONValue(), JSONObject()}
	if g, err := CompileSchema(schema); err == nil {
		gs = append(gs, g)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for gi, g := range gs {
			m := g.NewMatcher()
			var got []byte
			for _, b := range data {
				allowed := m.Allowed(b)
				if m.Feed(b) != allowed {
					t.Fatalf("Allowed(%q) = %v disagrees with Feed", b, allowed)
				}
				if allowed {
					got = append(got, b)
				}
			}
			if !m.Complete() {
				continue
			}
			if !json.Valid(got) {
				t.Fatalf("accepted invalid JSON %q", got)
			}
			if gi == 2 {
				if err := validate(schema, string(got)); err != nil {
					t.Fatalf("accepted %q: %v", got, err)
				}
			}
		}
	})
}

// FuzzCompileSchema compiles arbitrary schemas: no panics, and a compiled
// grammar runs on the schema text itself.
func FuzzCompileSchema(f *testing.F) {
	for _, s := range walkSchemas[1:] {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := CompileSchema(data)
		if err != nil {
			return
		}
		m := g.NewMatcher()
		for _, b := range data {
			m.Feed(b)
		}
		m.Complete()
	})
}

package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLimitsFromEnv: HERD_MAX_* raises one limit, HERD_LIMITS=off lifts all,
// and malformed values are errors naming the variable.
func TestLimitsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    func(Limits) bool
		wantErr string
	}{
		{"defaults", nil, func(l Limits) bool { return l == DefaultLimits }, ""},
		{"layers", map[string]string{"HERD_MAX_LAYERS": "4096"}, func(l Limits) bool { return l.Layers == 4096 && l.Experts == DefaultLimits.Experts }, ""},
		{"header bytes", map[string]string{"HERD_MAX_HEADER_BYTES": "1099511627776"}, func(l Limits) bool { return l.HeaderBytes == 1<<40 }, ""},
		{"off", map[string]string{"HERD_LIMITS": "off"}, func(l Limits) bool { return l == NoLimits }, ""},
		{"off then one", map[string]string{"HERD_LIMITS": "OFF", "HERD_MAX_VOCAB": "7"}, func(l Limits) bool { return l.Vocab == 7 && l.Layers == NoLimits.Layers }, ""},
		{"not a number", map[string]string{"HERD_MAX_EXPERTS": "lots"}, nil, `HERD_MAX_EXPERTS="lots"`},
		{"zero", map[string]string{"HERD_MAX_HIDDEN": "0"}, nil, `HERD_MAX_HIDDEN="0"`},
		{"too big", map[string]string{"HERD_MAX_TENSORS": "4294967296"}, nil, "at most 2147483648"},
		{"bad switch", map[string]string{"HERD_LIMITS": "maybe"}, nil, `HERD_LIMITS="maybe"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := limitsFrom(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.want(l) {
				t.Fatalf("limits %+v, %v", l, err)
			}
		})
	}
}

// TestLimitsRaise: a config over a default limit loads once the limit is
// raised through the environment, and the error names the variable.
func TestLimitsRaise(t *testing.T) {
	requireFile(t, filepath.Join(hostileTinyDir, "config.json"))
	b, err := os.ReadFile(filepath.Join(hostileTinyDir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), `"num_local_experts": 4`, `"num_local_experts": 2000`, 1)
	if _, err := ParseConfig([]byte(cfg)); err == nil || !strings.Contains(err.Error(), "HERD_MAX_EXPERTS") {
		t.Fatalf("2000 experts: %v", err)
	}
	t.Setenv("HERD_MAX_EXPERTS", "2048")
	c, err := ParseConfig([]byte(cfg))
	if err != nil || c.Experts != 2000 {
		t.Fatalf("with HERD_MAX_EXPERTS=2048: %v", err)
	}
	t.Setenv("HERD_MAX_EXPERTS", "-1")
	if _, err := ParseConfig([]byte(cfg)); err == nil || !strings.Contains(err.Error(), "HERD_MAX_EXPERTS") {
		t.Fatalf("bad variable: %v", err)
	}
}

package hub

import (
	"strings"
	"testing"
)

const sampleInfo = `{"_id":"x","id":"org/name","sha":"0123456789abcdef0123456789abcdef01234567","gated":false,
"siblings":[{"rfilename":"model.safetensors","size":10,"blobId":"89abcdef0123456789abcdef0123456789abcdef",
"lfs":{"sha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","size":10,"pointerSize":134}},
{"rfilename":"config.json","size":3,"blobId":"0123456789abcdef0123456789abcdef01234567"},
{"rfilename":"../evil","size":3}]}`

func TestParseInfo(t *testing.T) {
	info, err := parseInfo(strings.NewReader(sampleInfo))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Siblings) != 2 || info.Siblings[0].Name != "config.json" || info.Gated() {
		t.Errorf("parsed %+v", info)
	}
	for _, tc := range []struct{ doc, err string }{
		{`{"sha":"abc","siblings":[]}`, "commit"},
		{`{"sha":"0123456789abcdef0123456789abcdef01234567","siblings":[{"rfilename":"a","size":-1}]}`, "out of range"},
		{`{"sha":"0123456789abcdef0123456789abcdef01234567","siblings":[{"rfilename":"a","lfs":{"sha256":"zz","size":1}}]}`, "sha256"},
		{`{"sha":"0123456789abcdef0123456789abcdef01234567","siblings":[{"rfilename":"a"},{"rfilename":"a"}]}`, "twice"},
		{`{"sha":`, "repository info"},
		{`{"sha":"` + strings.Repeat(" ", maxInfoBytes) + `"}`, "over"},
	} {
		if _, err := parseInfo(strings.NewReader(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("parseInfo(%.40q…) err = %v, want %q", tc.doc, err, tc.err)
		}
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add([]byte(sampleInfo))
	f.Add([]byte(`{"sha":"0123456789abcdef0123456789abcdef01234567","siblings":null}`))
	f.Add([]byte(`{"sha":"0123456789abcdef0123456789abcdef01234567","siblings":[{"rfilename":"a/b","size":1e300}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := parseInfo(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		for i, s := range info.Siblings {
			if checkFile(s.Name) != nil || s.Size < 0 || s.Size > maxFileSize {
				t.Fatalf("sibling %+v passed", s)
			}
			if i > 0 && info.Siblings[i-1].Name >= s.Name {
				t.Fatalf("siblings not sorted and unique: %q, %q", info.Siblings[i-1].Name, s.Name)
			}
			if s.LFS != nil && !isHex(s.LFS.SHA256, 64) {
				t.Fatalf("bad sha256 passed: %q", s.LFS.SHA256)
			}
		}
	})
}

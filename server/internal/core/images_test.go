package core

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzParseImageURL: any URL is parsed or refused with an error, never a
// panic; a well-formed base64 data URL gives back its bytes exactly.
func FuzzParseImageURL(f *testing.F) {
	f.Add("data:image/png;base64,iVBORw0KGgo=", []byte("\x89PNG"))
	f.Add("data:image/jpeg;charset=x;BASE64,_-8=", []byte{0xff, 0xd8})
	f.Add("https://example.com/a.png", []byte{})
	f.Add("data:text/plain,hi", []byte("hi"))
	f.Fuzz(func(t *testing.T, url string, data []byte) {
		if _, err := ParseImageURL(url); err == nil && !strings.HasPrefix(url, "data:") {
			t.Fatalf("%q accepted: only data URLs are", url)
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			u := "data:image/png;base64," + enc.EncodeToString(data)
			got, err := ParseImageURL(u)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%q: %v, got %q, want %q", u, err, got, data)
			}
		}
	})
}

package grammar

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// walkSchemas are schemas for random walks; "" means JSONObject.
var walkSchemas = []string{
	``,
	`{}`,
	`{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},
	  "tags":{"type":"array","items":{"type":"string","maxLength":4},"maxItems":3},
	  "address":{"$ref":"#/$defs/addr"}},"required":["name","age"],"additionalProperties":false,
	  "$defs":{"addr":{"type":"object","properties":{"city":{"type":"string","minLength":1},
	  "zip":{"type":["string","null"]}},"required":["city","zip"],"additionalProperties":false}}}`,
	`{"$defs":{"node":{"type":"object","properties":{"value":{"type":"number"},
	  "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value","children"],
	  "additionalProperties":false}},"$ref":"#/$defs/node"}`,
	`{"type":"object","properties":{"item":{"anyOf":[
	  {"type":"object","properties":{"kind":{"const":"a"},"id":{"type":"integer"}},"required":["kind","id"],"additionalProperties":false},
	  {"type":"object","properties":{"kind":{"const":"b"},"name":{"type":"string"}},"required":["kind"],"additionalProperties":false},
	  {"type":"null"},{"type":"string","enum":["red","green","blue"]},{"type":"string"}]}},
	  "required":["item"],"additionalProperties":false}`,
	`{"type":"array","prefixItems":[{"type":"boolean"},{"enum":[1,12,123,"x",null,{"a":[1]}]}],
	  "items":{"type":"number"},"minItems":3,"maxItems":5}`,
	`{"type":"array","items":{"type":"string","minLength":2,"maxLength":3},"minItems":1,"maxItems":2}`,
	`{"type":"object","additionalProperties":{"type":"integer"}}`,
	`{"type":"object","properties":{"a":{"type":"object","additionalProperties":false},
	  "b":{"type":"array","maxItems":0},"c":{"type":"array","items":false},"d":false,
	  "e":{"type":"object","properties":{"f":{"$ref":"#/properties/e"}},"required":["f"]}},
	  "required":["a","b","c"]}`,
	`{"anyOf":[{"type":"integer"},{"type":"number"},{"type":"string","maxLength":0}]}`,
	`{"type":"object","properties":{"age":{"type":"integer","minimum":0,"maximum":150},
	  "t":{"type":"integer","minimum":-20,"exclusiveMaximum":-5},"m":{"type":"integer","multipleOf":7,"minimum":-100,"maximum":100},
	  "p":{"type":"number","exclusiveMinimum":0,"maximum":1},"q":{"type":"number","multipleOf":0.25,"minimum":-3.5},
	  "big":{"type":"integer","minimum":12345678901234,"maximum":12345678901299}},
	  "required":["age","t","m","p","q","big"],"additionalProperties":false}`,
	`{"type":"array","items":{"type":"number","minimum":-1.5,"maximum":-1.25},"maxItems":4}`,
	`{"type":"object","properties":{"u":{"type":"array","items":{"enum":["a","ab","abc",1,12,true,null]},"uniqueItems":true},
	  "b":{"type":"array","items":{"type":"boolean"},"uniqueItems":true,"minItems":1}},"required":["u","b"],"additionalProperties":false}`,
	`{"type":"object","properties":{"d":{"type":"string","format":"date"},"dt":{"type":"string","format":"date-time"},
	  "t":{"type":"string","format":"time"},"u":{"type":"string","format":"uuid"},"e":{"type":"string","format":"email","maxLength":24},
	  "i4":{"type":"string","format":"ipv4"},"i6":{"type":"string","format":"ipv6"},"uri":{"type":"string","format":"uri","maxLength":40},
	  "h":{"type":"string","format":"hostname"}},
	  "required":["d","dt","t","u","e","i4","i6","uri","h"],"additionalProperties":false}`,
	`{"type":"array","items":{"anyOf":[{"type":"string","pattern":"^[A-Z]{2}-\\d{3,5}$"},
	  {"type":"string","pattern":"x[^\"\\\\]?y","maxLength":6},{"type":"string","pattern":"^(ab|c)*$","minLength":3,"maxLength":5},
	  {"type":"string","pattern":"^\\s\\S\\w\\W\\d\\D$"},{"type":"string","pattern":"^é+.?$","maxLength":3}]},"minItems":2}`,
}

// closers are what a walk prefers once its budget is spent, so that it ends.
var closers = []string{`"`, `}`, `]`, `"}`, `"]`, `}]`, `]}`, `}}`, `]]`, `0`, `null`, `true`}

// randomWalk generates one value with random allowed tokens and returns it.
// It checks at every step that the mask is exactly the set of tokens the
// matcher accepts, that stop tokens are allowed exactly at completion, and
// that something is always allowed.
// With long, half the picks are the longest allowed token.
func randomWalk(t *testing.T, fv *fakeVocab, stops []int32, g *Grammar, rng *rand.Rand, budget int, long bool) string {
	t.Helper()
	c := NewConstraint(fv, g, stops)
	logits := make([]float32, fv.VocabSize()+5) // the model's vocabulary may be padded
	var out []byte
	for step := 0; step < 4000; step++ {
		for i := range logits {
			logits[i] = 0
		}
		c.Mask(logits)
		complete := c.Complete()
		var allowed []int32
		for id, l := range logits {
			if !math.IsInf(float64(l), -1) {
				allowed = append(allowed, int32(id))
			}
		}
		for id := int32(0); int(id) < len(logits); id++ {
			ok := !math.IsInf(float64(logits[id]), -1)
			want := false
			switch {
			case slices.Contains(stops, id):
				want = complete
			case int(id) < fv.VocabSize() && !fv.IsSpecial(id):
				want = c.m.Clone().FeedString(fv.toks[id])
			}
			if ok != want {
				t.Fatalf("after %q: token %d %q allowed=%v, matcher says %v", out, id, fv.toks[min(int(id), len(fv.toks)-1)], ok, want)
			}
		}
		if len(allowed) == 0 || !complete && slices.ContainsFunc(allowed, func(id int32) bool { return slices.Contains(stops, id) }) {
			t.Fatalf("after %q: bad mask %v (complete %v)", out, allowed, complete)
		}
		id := allowed[rng.IntN(len(allowed))]
		if long && rng.IntN(2) == 0 { // the longest allowed token: crosses the most structure
			for _, a := range allowed {
				if int(a) < fv.VocabSize() && len(fv.toks[a]) > len(fv.toks[id]) && !fv.special[a] {
					id = a
				}
			}
		}
		if step >= budget {
			best := len(closers) + 1
			for _, a := range allowed {
				r := len(closers)
				if slices.Contains(stops, a) {
					r = -1
				} else if k := slices.Index(closers, fv.toks[a]); k >= 0 {
					r = k
				}
				if r < best || r == best && rng.IntN(2) == 0 {
					best, id = r, a
				}
			}
		}
		c.Accept(id)
		if c.Failed() {
			t.Fatalf("after %q: Accept(%d) failed", out, id)
		}
		if slices.Contains(stops, id) {
			return string(out)
		}
		out = append(out, fv.toks[id]...)
	}
	t.Fatalf("no end after 4000 tokens: %q", out)
	return ""
}

// TestRandomWalks generates values with random allowed tokens (and, once a
// budget is spent, closing ones) until a stop token ends them: every walk
// must end, parse with encoding/json and validate against its schema, and
// randomWalk checks every mask on the way.
func TestRandomWalks(t *testing.T) {
	fv, stops := newFakeVocab()
	rng := rand.New(rand.NewPCG(1, 2))
	walks := 30
	if testing.Short() {
		walks = 8
	}
	for _, schema := range walkSchemas {
		g := JSONObject()
		if schema != "" {
			var err error
			if g, err = CompileSchema([]byte(schema)); err != nil {
				t.Fatalf("%s: %v", schema, err)
			}
		}
		for i := 0; i < walks; i++ {
			out := randomWalk(t, fv, stops, g, rng, 10+rng.IntN(60), i%2 == 1)
			if !json.Valid([]byte(out)) {
				t.Fatalf("invalid JSON %q", out)
			}
			if err := checkWhitespace(out); err != nil {
				t.Fatalf("%q: %v", out, err)
			}
			if schema == "" {
				var m map[string]any
				if err := json.Unmarshal([]byte(out), &m); err != nil {
					t.Fatalf("not an object %q: %v", out, err)
				}
				continue
			}
			if err := validate([]byte(schema), out); err != nil {
				t.Fatalf("schema %s\noutput %q\n%v", schema, out, err)
			}
		}
	}
}

// checkWhitespace checks that every run of whitespace outside strings is
// one space or a newline and at most MaxIndent spaces or tabs.
func checkWhitespace(text string) error {
	inStr, esc := false, false
	for i := 0; i < len(text); i++ {
		b := text[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case b == '\\':
				esc = true
			case b == '"':
				inStr = false
			}
			continue
		}
		if b == '"' {
			inStr = true
			continue
		}
		if !isWS(b) {
			continue
		}
		j := i
		for j < len(text) && isWS(text[j]) {
			j++
		}
		run := text[i:j]
		ok := run == " " || run[0] == '\n' && len(run) <= 1+MaxIndent && !strings.ContainsAny(run[1:], "\n\r")
		if !ok || i == 0 || j == len(text) {
			return fmt.Errorf("whitespace %q at %d", run, i)
		}
		i = j - 1
	}
	return nil
}

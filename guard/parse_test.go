package guard

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/herd-llm/herd/internal/wanterr"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		out    string
		unsafe bool
		cats   []string
		err    string
	}{
		{out: "safe"},
		{out: "\n\nsafe"},
		{out: " Safe \n"},
		{out: "unsafe", unsafe: true},
		{out: "\n\nunsafe", unsafe: true},
		{out: "unsafe\nS1", unsafe: true, cats: []string{"S1"}},
		{out: "unsafe\nS1,S10", unsafe: true, cats: []string{"S1", "S10"}},
		{out: "unsafe\nS2, s14 ", unsafe: true, cats: []string{"S2", "S14"}},
		{out: "Unsafe\n\nS9\n", unsafe: true, cats: []string{"S9"}},
		{out: "", err: "empty output"},
		{out: "  \n ", err: "empty output"},
		{out: "maybe", err: `first line must be "safe" or "unsafe"`},
		{out: "safe\nS1", err: `text after "safe"`},
		{out: "unsafe\nviolence", err: `"violence" is not a category code`},
		{out: "unsafe\nS1,", err: `"" is not a category code`},
		{out: "unsafe\nS1\nS2", err: "more than one line"},
		{out: "unsafeS1", err: "first line"},
	} {
		v, err := Parse(tc.out)
		if wanterr.Case(t, fmt.Sprintf("Parse(%q)", tc.out), err, tc.err) {
			continue
		}
		if v.Unsafe != tc.unsafe || !reflect.DeepEqual(v.Categories, tc.cats) || v.Score != -1 || v.Output != strings.TrimSpace(tc.out) {
			t.Errorf("Parse(%q) = %+v, want unsafe %v categories %v", tc.out, v, tc.unsafe, tc.cats)
		}
	}
}

func TestExclude(t *testing.T) {
	for _, tc := range []struct {
		v        Verdict
		excluded []string
		unsafe   bool
		cats     []string
	}{
		{v: Verdict{Unsafe: true, Categories: []string{"S1", "S6"}}, excluded: []string{"S6"}, unsafe: true, cats: []string{"S1"}},
		{v: Verdict{Unsafe: true, Categories: []string{"S6"}}, excluded: []string{"S6", "S2"}, unsafe: false},
		{v: Verdict{Unsafe: true}, excluded: []string{"S6"}, unsafe: true},
		{v: Verdict{}, excluded: []string{"S6"}},
	} {
		got := tc.v.Exclude(tc.excluded)
		if got.Unsafe != tc.unsafe || !reflect.DeepEqual(got.Categories, tc.cats) {
			t.Errorf("%+v.Exclude(%v) = %+v", tc.v, tc.excluded, got)
		}
	}
}

package grammar

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// validate checks a JSON text against a schema, independently of the
// compiler: a small interpreter of the keywords CompileSchema supports.
func validate(schema []byte, text string) error {
	var doc any
	d := json.NewDecoder(bytes.NewReader(schema))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		return err
	}
	var v any
	d = json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return (&validator{doc}).check(doc, v, "#")
}

type validator struct{ doc any }

func (vd *validator) check(s, v any, path string) error {
	switch x := s.(type) {
	case bool:
		if !x {
			return fmt.Errorf("%s: false schema", path)
		}
		return nil
	case map[string]any:
		return vd.checkMap(x, v, path)
	}
	return fmt.Errorf("%s: bad schema", path)
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		f, _ := new(big.Float).SetString(string(x))
		if f.IsInt() {
			return "integer"
		}
		return "number"
	}
	return "?"
}

func canon(v any) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(v)
	return b.String()
}

func (vd *validator) checkMap(s map[string]any, v any, path string) error {
	if r, ok := s["$ref"].(string); ok {
		t, ok := resolvePointer(vd.doc, r[1:])
		if !ok {
			return fmt.Errorf("bad ref")
		}
		return vd.check(t, v, path)
	}
	if a, ok := s["allOf"].([]any); ok {
		for _, sub := range a {
			if err := vd.check(sub, v, path); err != nil {
				return err
			}
		}
	}
	if a, ok := s["anyOf"].([]any); ok {
		var errs []string
		for _, sub := range a {
			err := vd.check(sub, v, path)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err.Error())
		}
		if errs != nil {
			return fmt.Errorf("%s: no anyOf matches: %s", path, strings.Join(errs, "; "))
		}
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || canon(x) == canon(v)
		}
		if !found {
			return fmt.Errorf("%s: %s not in enum", path, canon(v))
		}
	}
	if c, ok := s["const"]; ok && canon(c) != canon(v) {
		return fmt.Errorf("%s: not const", path)
	}
	if t, ok := s["type"]; ok {
		names := []any{t}
		if l, ok := t.([]any); ok {
			names = l
		}
		jt := jsonType(v)
		found := false
		for _, n := range names {
			found = found || n == jt || n == "number" && jt == "integer"
		}
		if !found {
			return fmt.Errorf("%s: type %s, want %v", path, jt, t)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[r.(string)]; !ok {
					return fmt.Errorf("%s: missing %v", path, r)
				}
			}
		}
		for k, val := range x {
			if ps, ok := props[k]; ok {
				if err := vd.check(ps, val, path+"/"+k); err != nil {
					return err
				}
			} else if ap, ok := s["additionalProperties"]; ok {
				if err := vd.check(ap, val, path+"/"+k); err != nil {
					return err
				}
			}
		}
	case []any:
		if n, ok := s["minItems"].(json.Number); ok {
			if m, _ := n.Int64(); int64(len(x)) < m {
				return fmt.Errorf("%s: too few items", path)
			}
		}
		if n, ok := s["maxItems"].(json.Number); ok {
			if m, _ := n.Int64(); int64(len(x)) > m {
				return fmt.Errorf("%s: too many items", path)
			}
		}
		if s["uniqueItems"] == true {
			seen := map[string]bool{}
			for _, it := range x {
				if seen[canon(it)] {
					return fmt.Errorf("%s: duplicate item %s", path, canon(it))
				}
				seen[canon(it)] = true
			}
		}
		prefix, _ := s["prefixItems"].([]any)
		rest, restOK := s["items"]
		if a, ok := rest.([]any); ok {
			prefix = a
			rest, restOK = s["additionalItems"]
		}
		for i, it := range x {
			sub, ok := rest, restOK
			if i < len(prefix) {
				sub, ok = prefix[i], true
			}
			if ok {
				if err := vd.check(sub, it, fmt.Sprintf("%s/%d", path, i)); err != nil {
					return err
				}
			}
		}
	case json.Number:
		if err := checkNumber(s, x); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
	case string:
		if err := checkStringFormat(s, x); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		n := int64(utf8.RuneCountInString(x))
		if m, ok := s["minLength"].(json.Number); ok {
			if l, _ := m.Int64(); n < l {
				return fmt.Errorf("%s: string too short", path)
			}
		}
		if m, ok := s["maxLength"].(json.Number); ok {
			if l, _ := m.Int64(); n > l {
				return fmt.Errorf("%s: string too long", path)
			}
		}
	}
	return nil
}

// checkNumber checks the numeric keywords of s on x, exactly.
func checkNumber(s map[string]any, x json.Number) error {
	v, ok := new(big.Rat).SetString(string(x))
	if !ok {
		return fmt.Errorf("bad number %s", x)
	}
	rat := func(kw string) (*big.Rat, bool) {
		n, ok := s[kw].(json.Number)
		if !ok {
			return nil, false
		}
		r, ok := new(big.Rat).SetString(string(n))
		return r, ok
	}
	exMin, _ := s["exclusiveMinimum"].(bool)
	exMax, _ := s["exclusiveMaximum"].(bool)
	if m, ok := rat("minimum"); ok && (v.Cmp(m) < 0 || exMin && v.Cmp(m) == 0) {
		return fmt.Errorf("%s below minimum", x)
	}
	if m, ok := rat("maximum"); ok && (v.Cmp(m) > 0 || exMax && v.Cmp(m) == 0) {
		return fmt.Errorf("%s above maximum", x)
	}
	if m, ok := rat("exclusiveMinimum"); ok && v.Cmp(m) <= 0 {
		return fmt.Errorf("%s not above exclusiveMinimum", x)
	}
	if m, ok := rat("exclusiveMaximum"); ok && v.Cmp(m) >= 0 {
		return fmt.Errorf("%s not below exclusiveMaximum", x)
	}
	if m, ok := rat("multipleOf"); ok && !new(big.Rat).Quo(v, m).IsInt() {
		return fmt.Errorf("%s not a multiple of %s", x, m)
	}
	return nil
}

// ecmaToRE2 rewrites the ECMA escapes whose meaning differs in Go's regexp.
var ecmaToRE2 = strings.NewReplacer(
	`\s`, `[\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]`,
	`\u00e9`, `\x{e9}`, `.`, `[^\n\r\x{2028}\x{2029}]`, `\.`, `\.`, `\/`, `/`)

// checkStringFormat checks pattern (with Go's regexp) and format (with
// the standard library's parsers).
func checkStringFormat(s map[string]any, x string) error {
	if p, ok := s["pattern"].(string); ok {
		re, err := regexp.Compile(ecmaToRE2.Replace(p))
		if err != nil {
			return fmt.Errorf("test validator: pattern %q: %v", p, err)
		}
		if !re.MatchString(x) {
			return fmt.Errorf("%q does not match %q", x, p)
		}
	}
	f, ok := s["format"].(string)
	if !ok {
		return nil
	}
	var err error
	switch f {
	case "date":
		_, err = time.Parse(time.DateOnly, x)
	case "time":
		_, err = time.Parse("15:04:05Z07:00", x)
		if err != nil {
			_, err = time.Parse("15:04:05.999999999Z07:00", x)
		}
	case "date-time":
		_, err = time.Parse(time.RFC3339Nano, x)
	case "uuid":
		if len(x) != 36 || strings.Count(x, "-") != 4 || x[8] != '-' || x[13] != '-' || x[18] != '-' || x[23] != '-' {
			err = fmt.Errorf("bad uuid")
		} else if _, e := hex.DecodeString(strings.ReplaceAll(x, "-", "")); e != nil {
			err = e
		}
	case "email":
		var a *mail.Address
		if a, err = mail.ParseAddress(x); err == nil && a.Address != x {
			err = fmt.Errorf("parsed as %q", a.Address)
		}
	case "ipv4", "ipv6":
		var a netip.Addr
		if a, err = netip.ParseAddr(x); err == nil && (a.Is4() != (f == "ipv4") || a.Zone() != "") {
			err = fmt.Errorf("not %s", f)
		}
	case "uri":
		var u *url.URL
		if u, err = url.Parse(x); err == nil && (!u.IsAbs() || u.Host == "") {
			err = fmt.Errorf("not an absolute URI with a host")
		}
	case "hostname":
		for _, l := range strings.Split(x, ".") {
			if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
				err = fmt.Errorf("bad label %q", l)
			}
		}
	default:
		err = fmt.Errorf("test validator: unknown format %q", f)
	}
	if err != nil {
		return fmt.Errorf("%q is not a %s: %v", x, f, err)
	}
	return nil
}

package strdfa

import (
	"maps"
	"slices"
	"strings"
)

// ipv6 is RFC 4291's text form (RFC 3986's IPv6address), without zones.
var ipv6 = func() string {
	h := `[0-9A-Fa-f]{1,4}`
	v4 := `(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}`
	ls32 := `(` + h + `:` + h + `|` + v4 + `)`
	rep := func(n int) string { // n times h16 ":"
		if n == 0 {
			return ""
		}
		return `(` + h + `:){` + string(rune('0'+n)) + `}`
	}
	upTo := func(n int) string { // [ *n( h16 ":" ) h16 ]
		if n == 0 {
			return `(` + h + `)?`
		}
		return `((` + h + `:){0,` + string(rune('0'+n)) + `}` + h + `)?`
	}
	alts := []string{
		rep(6) + ls32,
		`::` + rep(5) + ls32,
		upTo(0) + `::` + rep(4) + ls32,
		upTo(1) + `::` + rep(3) + ls32,
		upTo(2) + `::` + rep(2) + ls32,
		upTo(3) + `::` + h + `:` + ls32,
		upTo(4) + `::` + ls32,
		upTo(5) + `::` + h,
		upTo(6) + `::`,
	}
	return `^(` + strings.Join(alts, `|`) + `)$`
}()

// formats are the supported values of the format keyword, as patterns of
// this package's regex subset: what is generated is exactly (or, for
// email and uri, a documented subset of) the format.
var formats = map[string]string{
	// RFC 3339 full-date, day checked against the month (and leap years).
	"date": `^` + dateRe + `$`,
	// RFC 3339 full-time, upper-case Z, no leap second, at most 9 fraction digits.
	"time":      `^` + timeRe + `$`,
	"date-time": `^` + dateRe + `T` + timeRe + `$`,
	"uuid":      `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`,
	// A dot-atom local part and a host name of letters, digits and hyphens.
	"email": `^[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+)*@` + hostRe + `$`,
	"ipv4":  `^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$`,
	"ipv6":  ipv6,
	// scheme://host[:port] then a path, query and fragment of unreserved,
	// sub-delims, ':' '@' '/' '?' and percent escapes.
	"uri":      `^[A-Za-z][A-Za-z0-9+.\-]*://` + hostRe + `(:\d{1,5})?(/([A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*(\?([A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?(#([A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$`,
	"hostname": `^` + hostRe + `$`,
}

const (
	hostRe = `[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*`
	dateRe = `(\d{4}-(0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|\d{4}-(0[469]|11)-(0[1-9]|[12]\d|30)|\d{4}-02-(0[1-9]|1\d|2[0-8])|` +
		`(\d\d(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)`
	timeRe = `([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+\-]([01]\d|2[0-3]):[0-5]\d)`
)

// Format returns the pattern of the format keyword's value name, and false
// if the format is not supported.
func Format(name string) (*Pattern, bool) {
	src, ok := formats[name]
	if !ok {
		return nil, false
	}
	p, err := Parse(src)
	if err != nil {
		panic("strdfa: format " + name + ": " + err.Error())
	}
	return p, true
}

// FormatNames returns the supported formats, sorted.
func FormatNames() []string { return slices.Sorted(maps.Keys(formats)) }

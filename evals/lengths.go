package evals

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseLengths reads a list of token counts separated by commas, where a
// "k" suffix multiplies by 1024 ("512,1k,2k" is 512, 1024, 2048). Every
// length must be positive, and none may repeat.
func ParseLengths(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range splitList(s) {
		mult, num := 1, f
		if n := strings.TrimSuffix(strings.ToLower(f), "k"); n != strings.ToLower(f) {
			mult, num = 1024, n
		}
		v, err := strconv.ParseFloat(num, 64)
		n := v * float64(mult)
		if err != nil || n != math.Trunc(n) || n < 1 || n > math.MaxInt32 {
			return nil, fmt.Errorf("length %q is not a positive whole number of tokens (such as 512 or 2k)", f)
		}
		if seen[int(n)] {
			return nil, fmt.Errorf("length %q is listed twice", f)
		}
		seen[int(n)] = true
		out = append(out, int(n))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no lengths in %q", s)
	}
	return out, nil
}

// FormatLength writes a token count as ParseLengths reads it: "2k" for a
// multiple of 1024, else the number.
func FormatLength(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return strconv.Itoa(n/1024) + "k"
	}
	return strconv.Itoa(n)
}

// ParseDepths reads a list of depths separated by commas: fractions of the
// haystack in [0, 1] (0 puts the needle first, 1 last), none repeated.
func ParseDepths(s string) ([]float64, error) {
	var out []float64
	seen := map[float64]bool{}
	for _, f := range splitList(s) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("depth %q is not a number", f)
		}
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("depth %s is outside [0, 1]", f)
		}
		if seen[v] {
			return nil, fmt.Errorf("depth %s is listed twice", f)
		}
		seen[v] = true
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no depths in %q", s)
	}
	return out, nil
}

// splitList splits s at commas (and spaces), dropping empty fields.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

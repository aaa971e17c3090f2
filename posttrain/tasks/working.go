package tasks

import (
	"fmt"
	"strconv"
	"strings"
)

// workingPrefix starts every worked answer, so that the first token of a
// reply tells a worked answer from a bare number.
const workingPrefix = "Steps: "

// showsWorking reports whether the reference answer of problem key shows
// its working: a hash of the key (salted apart from the split's) falls in
// the fraction frac.
func showsWorking(key string, frac float64) bool {
	return frac > 0 && float64(fnv64("working\x00"+key)%1_000_000) < frac*1_000_000
}

// workedAnswer is the reference answer of a one-operator problem "a op b"
// with its working: the operands split into tens and units, the partial
// results, and the value in an <answer> tag, e.g.
//
//	47 + 38 → Steps: 40 + 30 + 7 + 8 = 70 + 15 = <answer>85</answer>
//	7 - 38  → Steps: -30 + 7 - 8 = -30 + -1 = <answer>-31</answer>
//	47 * 8  → Steps: 40 * 8 + 7 * 8 = 320 + 56 = <answer>376</answer>
//	7 + 8   → Steps: 7 + 8 = <answer>15</answer>
//
// Every step is a one-digit operation or the sum of a multiple of ten and a
// small number, so a held-out problem's working is made of steps that the
// training problems also take.
func workedAnswer(key string) (string, error) {
	f := strings.Fields(key)
	if len(f) != 3 {
		return "", fmt.Errorf("tasks: working for %q: only one-operator problems have it", clip(key))
	}
	a, errA := strconv.Atoi(f[0])
	b, errB := strconv.Atoi(f[2])
	op := f[1]
	if errA != nil || errB != nil || a < 0 || b < 0 || a > 99 || b > 99 || (op != "+" && op != "-" && op != "*") {
		return "", fmt.Errorf("tasks: working for %q: want two operands of at most two digits and +, - or *", clip(key))
	}
	v, err := Eval(key)
	if err != nil {
		return "", err
	}
	ans := "<answer>" + v.Num().String() + "</answer>"
	if a < 10 && b < 10 {
		return workingPrefix + key + " = " + ans, nil
	}
	// parts of an operand: [tens, units] for two digits, [units] for one.
	parts := func(x int) []int {
		if x < 10 {
			return []int{x}
		}
		return []int{x / 10 * 10, x % 10}
	}
	pa, pb := parts(a), parts(b)
	var terms, values []string
	if op == "*" {
		for _, x := range pa {
			for _, y := range pb {
				terms = append(terms, fmt.Sprintf("%d * %d", x, y))
				values = append(values, strconv.Itoa(x*y))
			}
		}
		return workingPrefix + strings.Join(terms, " + ") + " = " + strings.Join(values, " + ") + " = " + ans, nil
	}
	sign := 1
	if op == "-" {
		sign = -1
	}
	// tens: A1 op B1, A1, or ±B1; units: a0 op b0.
	tens, tensText := 0, ""
	switch {
	case a >= 10 && b >= 10:
		tens, tensText = pa[0]+sign*pb[0], fmt.Sprintf("%d %s %d", pa[0], op, pb[0])
	case a >= 10:
		tens, tensText = pa[0], strconv.Itoa(pa[0])
	default:
		tens, tensText = sign*pb[0], strconv.Itoa(sign*pb[0])
	}
	a0, b0 := pa[len(pa)-1], pb[len(pb)-1]
	units := a0 + sign*b0
	return fmt.Sprintf("%s%s + %d %s %d = %d + %d = %s", workingPrefix, tensText, a0, op, b0, tens, units, ans), nil
}

package tasks

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/chat"
)

// countdown is TinyZero's Countdown: reach a target with the given numbers,
// each used exactly once, with + − × ÷ and parentheses.
//
// Key: the numbers then the target, "25 3 7 50 -> 75". The answer is the
// equation's left side in the last <answer>…</answer> of the final assistant
// turn, e.g. "<answer> (50 - 25) * 3 </answer>". The reward is TinyZero's
// (verl/utils/reward_score/countdown.py): 0 without an answer tag; 0.1 for an
// answer that is well formed but wrong (numbers not exactly the given ones,
// characters other than digits, + - * / ( ) . and spaces, an expression
// that does not evaluate, or a value other than the target); 1 when it uses
// every number exactly once and equals the target. Unlike TinyZero's
// float comparison within 1e-5, the value is compared exactly (rationals).
type countdown struct {
	base
	numbers, max int
}

// Rewards of Countdown.
const (
	CountdownCorrect    = 1.0
	CountdownWellFormed = 0.1
)

// countdownMaxTarget bounds the targets drawn.
const countdownMaxTarget = 1000

func (c *countdown) Sample(split Split, i int) (Prompt, error) {
	var solution string
	key, err := c.sample(split, i, func(r *rand.Rand) (string, error) {
		nums := make([]int, c.numbers)
		for k := range nums {
			nums[k] = 1 + r.IntN(c.max)
		}
		target, expr, ok := combine(r, nums)
		if !ok {
			return "", nil // rejected: "" belongs to no split below
		}
		solution = expr
		return countdownKey(nums, target), nil
	})
	if err != nil {
		return Prompt{}, err
	}
	nums, target, err := c.parseKey(key)
	if err != nil {
		return Prompt{}, err
	}
	list := make([]string, len(nums))
	for k, n := range nums {
		list[k] = strconv.Itoa(n)
	}
	text := fmt.Sprintf("Using the numbers [%s], create an equation that equals %d. You can use basic arithmetic operations (+, -, *, /) "+
		"and each number must be used exactly once. Show your work in <think> </think> tags. "+
		"And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.",
		strings.Join(list, ", "), target)
	return Prompt{Task: c.spec, Key: key, Solution: solution,
		Messages: []chat.Message{{Role: chat.RoleUser, Content: text}}}, nil
}

func countdownKey(nums []int, target int) string {
	var sb strings.Builder
	for _, n := range nums {
		sb.WriteString(strconv.Itoa(n) + " ")
	}
	return sb.String() + "-> " + strconv.Itoa(target)
}

// combine builds a random expression that uses every number once: it
// repeatedly replaces two values by their sum, difference, product or exact
// quotient, keeping every intermediate value a positive integer. It returns
// false when the target leaves [1, countdownMaxTarget].
func combine(r *rand.Rand, nums []int) (int, string, bool) {
	vals := slices.Clone(nums)
	exprs := make([]string, len(nums))
	for k, n := range nums {
		exprs[k] = strconv.Itoa(n)
	}
	for len(vals) > 1 {
		i := r.IntN(len(vals))
		j := r.IntN(len(vals) - 1)
		if j >= i {
			j++
		}
		a, b := vals[i], vals[j]
		var v int
		var op string
		switch r.IntN(4) {
		case 0:
			v, op = a+b, "+"
		case 1:
			if a <= b {
				a, b = b, a
				exprs[i], exprs[j] = exprs[j], exprs[i]
			}
			v, op = a-b, "-"
		case 2:
			v, op = a*b, "*"
		default:
			if b == 0 || a%b != 0 {
				v, op = a+b, "+"
			} else {
				v, op = a/b, "/"
			}
		}
		if v <= 0 || v > 100*countdownMaxTarget {
			return 0, "", false
		}
		e := exprs[i] + " " + op + " " + exprs[j]
		if len(vals) > 2 {
			e = "(" + e + ")"
		}
		lo, hi := min(i, j), max(i, j)
		vals[lo], exprs[lo] = v, e
		vals = slices.Delete(vals, hi, hi+1)
		exprs = slices.Delete(exprs, hi, hi+1)
	}
	return vals[0], exprs[0], vals[0] >= 1 && vals[0] <= countdownMaxTarget
}

// parseKey reads a problem key, checking that it fits the task.
func (c *countdown) parseKey(key string) ([]int, int, error) {
	bad := func(why string) error {
		return fmt.Errorf("tasks: %s: problem %q %s: cannot verify it", c.spec, clip(key), why)
	}
	left, right, ok := strings.Cut(key, " -> ")
	if !ok {
		return nil, 0, bad(`is not "NUMBERS -> TARGET"`)
	}
	target, err := strconv.Atoi(right)
	if err != nil || target < 1 || target > countdownMaxTarget {
		return nil, 0, bad(fmt.Sprintf("has target %q, not an integer in [1, %d]", right, countdownMaxTarget))
	}
	fields := strings.Fields(left)
	if len(fields) != c.numbers {
		return nil, 0, bad(fmt.Sprintf("has %d numbers, the task %d", len(fields), c.numbers))
	}
	nums := make([]int, len(fields))
	for k, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > c.max || strconv.Itoa(n) != f {
			return nil, 0, bad(fmt.Sprintf("has number %q, not an integer in [1, %d]", f, c.max))
		}
		nums[k] = n
	}
	return nums, target, nil
}

func (c *countdown) Demonstration(p *Prompt) ([]chat.Message, error) {
	if err := checkPrompt(c.spec, p, []chat.Message{{Role: chat.RoleAssistant}}); err != nil {
		return nil, err
	}
	msg := []chat.Message{{Role: chat.RoleAssistant, Content: "<answer> " + p.Solution + " </answer>"}}
	if s, err := c.Score(p, msg); err != nil || s != CountdownCorrect {
		return nil, fmt.Errorf("tasks: %s: prompt %q has no valid reference solution (%q)", c.spec, clip(p.Key), clip(p.Solution))
	}
	return msg, nil
}

var (
	countdownNumber  = regexp.MustCompile(`\d+`)
	countdownAllowed = regexp.MustCompile(`^[\d+\-*/().\s]+$`)
)

func (c *countdown) Score(p *Prompt, transcript []chat.Message) (float64, error) {
	if err := checkPrompt(c.spec, p, transcript); err != nil {
		return 0, err
	}
	nums, target, err := c.parseKey(p.Key)
	if err != nil {
		return 0, err
	}
	content, final := finalAnswer(transcript)
	if !final {
		return 0, nil
	}
	eq, ok := lastAnswerTag(content)
	if !ok {
		return 0, nil
	}
	used := countdownNumber.FindAllString(eq, -1)
	got := make([]int, 0, len(used))
	for _, u := range used {
		n, err := strconv.Atoi(u)
		if err != nil {
			return CountdownWellFormed, nil
		}
		got = append(got, n)
	}
	want := slices.Clone(nums)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || !countdownAllowed.MatchString(eq) {
		return CountdownWellFormed, nil
	}
	v, err := Eval(eq)
	if err != nil || v.Cmp(new(big.Rat).SetInt64(int64(target))) != 0 {
		return CountdownWellFormed, nil
	}
	return CountdownCorrect, nil
}

func (c *countdown) Tools() []Tool { return nil }

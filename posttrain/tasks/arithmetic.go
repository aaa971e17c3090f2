package tasks

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/herd-llm/herd/chat"
)

// arithmetic is integer arithmetic: ops+1 operands of up to digits digits
// joined by +, − and ×, evaluated with the usual precedence. With tool, the
// prompt declares the calculator tool and asks the model to use it
// ("calculator" task).
//
// Key: the expression, operands and operators separated by single spaces,
// e.g. "47 * 3 - 12". The answer is the integer value, written alone or as
// the last <answer>…</answer>; reward 1 when it equals the value, else 0.
type arithmetic struct {
	base
	digits, ops int
	tool        bool
	working     float64 // fraction of demonstrations with working (workedAnswer)
}

var arithOps = []string{"+", "-", "*"}

func (a *arithmetic) Sample(split Split, i int) (Prompt, error) {
	key, err := a.sample(split, i, func(r *rand.Rand) (string, error) {
		var sb strings.Builder
		for k := 0; k <= a.ops; k++ {
			if k > 0 {
				sb.WriteString(" " + arithOps[r.IntN(len(arithOps))] + " ")
			}
			sb.WriteString(strconv.Itoa(randDigits(r, a.digits)))
		}
		return sb.String(), nil
	})
	if err != nil {
		return Prompt{}, err
	}
	v, err := a.value(key)
	if err != nil {
		return Prompt{}, err
	}
	p := Prompt{Task: a.spec, Key: key, Solution: v.String()}
	if a.tool {
		p.Tools = []json.RawMessage{calculatorDecl}
		p.Messages = []chat.Message{{Role: chat.RoleUser, Content: "What is " + key + "? Use the calculator tool, then reply with the number only."}}
	} else {
		p.Messages = []chat.Message{{Role: chat.RoleUser, Content: "What is " + key + "? Reply with the number only."}}
	}
	return p, nil
}

// randDigits returns a number of 1…digits digits, the length uniform.
func randDigits(r *rand.Rand, digits int) int {
	n := 1 + r.IntN(digits)
	lo := 1
	for range n - 1 {
		lo *= 10
	}
	if n == 1 {
		return r.IntN(10)
	}
	return lo + r.IntN(9*lo)
}

// value evaluates a problem key, checking that it is one of this task's.
func (a *arithmetic) value(key string) (*big.Int, error) {
	fields := strings.Fields(key)
	if len(fields) != 2*a.ops+1 || strings.Join(fields, " ") != key {
		return nil, fmt.Errorf("tasks: %s: problem %q is not %d operands joined by single spaces: cannot verify it", a.spec, clip(key), a.ops+1)
	}
	for k, f := range fields {
		if k%2 == 1 {
			if f != "+" && f != "-" && f != "*" {
				return nil, fmt.Errorf("tasks: %s: problem %q has operator %q: cannot verify it", a.spec, clip(key), f)
			}
		} else if _, err := strconv.ParseUint(f, 10, 64); err != nil || len(f) > a.digits {
			return nil, fmt.Errorf("tasks: %s: problem %q has operand %q, not a number of at most %d digits: cannot verify it", a.spec, clip(key), f, a.digits)
		}
	}
	v, err := Eval(key)
	if err != nil {
		return nil, fmt.Errorf("tasks: %s: cannot verify problem: %w", a.spec, err)
	}
	return v.Num(), nil
}

func (a *arithmetic) Demonstration(p *Prompt) ([]chat.Message, error) {
	if err := checkPrompt(a.spec, p, []chat.Message{{Role: chat.RoleAssistant}}); err != nil {
		return nil, err
	}
	v, err := a.value(p.Key)
	if err != nil {
		return nil, err
	}
	if !a.tool {
		content := v.String()
		if showsWorking(p.Key, a.working) {
			if content, err = workedAnswer(p.Key); err != nil {
				return nil, err
			}
		}
		return []chat.Message{{Role: chat.RoleAssistant, Content: content}}, nil
	}
	args, _ := json.Marshal(map[string]string{"expression": p.Key})
	return []chat.Message{
		{Role: chat.RoleAssistant, ToolCalls: []chat.ToolCall{{Name: CalculatorName, Arguments: args}}},
		{Role: chat.RoleTool, Content: v.String()},
		{Role: chat.RoleAssistant, Content: v.String()},
	}, nil
}

func (a *arithmetic) Score(p *Prompt, transcript []chat.Message) (float64, error) {
	if err := checkPrompt(a.spec, p, transcript); err != nil {
		return 0, err
	}
	v, err := a.value(p.Key)
	if err != nil {
		return 0, err
	}
	content, final := finalAnswer(transcript)
	if !final {
		return 0, nil
	}
	if got, ok := parseIntAnswer(content); ok && got.Cmp(v) == 0 {
		return 1, nil
	}
	return 0, nil
}

func (a *arithmetic) Tools() []Tool {
	if a.tool {
		return []Tool{Calculator{}}
	}
	return nil
}

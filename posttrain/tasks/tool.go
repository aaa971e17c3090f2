package tasks

import (
	"encoding/json"
	"fmt"
)

// Tool is a function the model may call and the harness executes.
type Tool interface {
	// Name is the function name the model calls.
	Name() string
	// Declaration is the tool's definition in the Llama 4 tool format
	// ({"type": "function", "function": {...}}), for chat.Options.Tools.
	Declaration() json.RawMessage
	// Call runs the tool on a call's JSON arguments and returns the result
	// text for the ipython turn. Bad arguments are an error, which the
	// harness reports to the model as the result.
	Call(args json.RawMessage) (string, error)
}

// CalculatorName is the calculator tool's function name.
const CalculatorName = "calculator"

// calculatorDecl is the calculator's declaration.
var calculatorDecl = json.RawMessage(`{"type":"function","function":{"name":"calculator",` +
	`"description":"Evaluate an arithmetic expression exactly: numbers, + - * /, parentheses.",` +
	`"parameters":{"type":"object","properties":{"expression":{"type":"string",` +
	`"description":"The expression, e.g. (12 + 3) * 4"}},"required":["expression"]}}}`)

// Calculator evaluates arithmetic expressions with Eval: exact rationals,
// + − × ÷ and parentheses, never code.
type Calculator struct{}

// Name is "calculator".
func (Calculator) Name() string { return CalculatorName }

// Declaration is the calculator's Llama 4 tool declaration.
func (Calculator) Declaration() json.RawMessage { return calculatorDecl }

// Call evaluates {"expression": "…"}; the result is an integer or a
// decimal rounded to 10 places (FormatRat).
func (Calculator) Call(args json.RawMessage) (string, error) {
	var a struct {
		Expression *string `json:"expression"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return "", fmt.Errorf("calculator: arguments %s: %w", clip(string(args)), err)
	}
	if a.Expression == nil {
		return "", fmt.Errorf("calculator: arguments %s have no \"expression\" string", clip(string(args)))
	}
	v, err := Eval(*a.Expression)
	if err != nil {
		return "", fmt.Errorf("calculator: %w", err)
	}
	return FormatRat(v), nil
}

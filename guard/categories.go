package guard

import (
	"fmt"
	"strings"
)

// Category is a hazard category of the guard's policy.
type Category struct {
	Code string // "S1" … "S14"
	Name string // "Violent Crimes"
	// Description, when set, follows the name on its own line in the prompt
	// (a custom policy's explanation of the category); the default
	// categories have none, as in the reference prompt.
	Description string
}

// Categories is the MLCommons hazard taxonomy that Llama Guard 4 is trained
// on, in prompt order.
var Categories = []Category{
	{Code: "S1", Name: "Violent Crimes"},
	{Code: "S2", Name: "Non-Violent Crimes"},
	{Code: "S3", Name: "Sex Crimes"},
	{Code: "S4", Name: "Child Exploitation"},
	{Code: "S5", Name: "Defamation"},
	{Code: "S6", Name: "Specialized Advice"},
	{Code: "S7", Name: "Privacy"},
	{Code: "S8", Name: "Intellectual Property"},
	{Code: "S9", Name: "Indiscriminate Weapons"},
	{Code: "S10", Name: "Hate"},
	{Code: "S11", Name: "Self-Harm"},
	{Code: "S12", Name: "Sexual Content"},
	{Code: "S13", Name: "Elections"},
	{Code: "S14", Name: "Code Interpreter Abuse"},
}

// CategoryName returns the name of a default category code ("S10" → "Hate").
func CategoryName(code string) (string, bool) {
	for _, c := range Categories {
		if c.Code == code {
			return c.Name, true
		}
	}
	return "", false
}

// ParseCodes reads a comma-separated list of category codes ("S1,S6", case
// and spaces ignored), checking each against cats (nil: Categories).
func ParseCodes(s string, cats []Category) ([]string, error) {
	if cats == nil {
		cats = Categories
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		code := strings.ToUpper(strings.TrimSpace(f))
		if code == "" {
			continue
		}
		if !hasCode(cats, code) {
			return nil, fmt.Errorf("guard: unknown category %q (want codes such as S1 … S%d)", strings.TrimSpace(f), len(cats))
		}
		if !seen[code] {
			seen[code] = true
			out = append(out, code)
		}
	}
	return out, nil
}

func hasCode(cats []Category, code string) bool {
	for _, c := range cats {
		if c.Code == code {
			return true
		}
	}
	return false
}

package grammar

import "fmt"

// SchemaError says why CompileSchema refused a schema: invalid, unsatisfiable
// or using a keyword this package cannot enforce. Every such error is the
// client's (an HTTP server answers 400).
type SchemaError struct {
	Path    string // JSON pointer of the subschema, such as "#/properties/name"
	Keyword string // the keyword at fault; "" when the error is not about one
	Msg     string // what is wrong
}

func (e *SchemaError) Error() string {
	if e.Keyword != "" {
		return fmt.Sprintf("grammar: schema %s: keyword %q: %s", e.Path, e.Keyword, e.Msg)
	}
	return fmt.Sprintf("grammar: schema %s: %s", e.Path, e.Msg)
}

func schemaErr(path, kw, format string, a ...any) error {
	return &SchemaError{Path: path, Keyword: kw, Msg: fmt.Sprintf(format, a...)}
}

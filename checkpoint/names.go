package checkpoint

import "fmt"

// Scheme is an index into a table whose rows carry a flag name; these
// helpers give the names, parse one and print one.

// tableNames is name(row) for every row of table, in order.
func tableNames[R any](table []R, name func(R) string) []string {
	n := make([]string, len(table))
	for i, r := range table {
		n[i] = name(r)
	}
	return n
}

// parseName is the index of name in names, or empty for ""; an unknown
// name is an error that calls it a what and lists want.
func parseName(what, name string, empty int, names, want []string) (int, error) {
	if name == "" {
		return empty, nil
	}
	for i, n := range names {
		if n == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q (want one of %v)", what, name, want)
}

// nameOf is names[i], or type(i) for a value outside the table.
func nameOf(typ string, i int, names []string) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("%s(%d)", typ, i)
}

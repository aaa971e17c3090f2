package grammar

// annotations are keywords that do not constrain values: they are ignored.
// Keywords that are neither here, nor compiled, nor unsupported are ignored
// too, as JSON Schema prescribes for unknown keywords.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "$anchor": true,
	"$defs": true, "definitions": true,
	"title": true, "description": true, "default": true, "examples": true,
	"deprecated": true, "readOnly": true, "writeOnly": true,
	"contentEncoding": true, "contentMediaType": true, "contentSchema": true,
	"strict": true, "nullable": true, "discriminator": true,
}

// unsupported are constraining keywords that CompileSchema refuses, so that
// a schema is never silently enforced only in part. (A one-element allOf is
// accepted; see compile.)
var unsupported = map[string]bool{
	"minProperties": true, "maxProperties": true, "patternProperties": true,
	"propertyNames": true, "dependentRequired": true, "dependentSchemas": true,
	"dependencies": true, "unevaluatedProperties": true, "unevaluatedItems": true,
	"contains": true, "minContains": true, "maxContains": true,
	"not": true, "oneOf": true, "allOf": true, "if": true, "then": true, "else": true,
	"$dynamicRef": true, "$dynamicAnchor": true, "$recursiveRef": true, "$recursiveAnchor": true,
}

// objectKeywords and the others below are the type-specific keywords this
// package compiles; they also let a schema without "type" imply one.
var (
	objectKeywords = []string{"properties", "required", "additionalProperties"}
	arrayKeywords  = []string{"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"}
	stringKeywords = []string{"minLength", "maxLength", "pattern", "format"}
	numberKeywords = []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)

// combinators are keywords that stand for a whole schema; other
// constraining keywords beside them are refused.
var combinators = []string{"$ref", "anyOf", "allOf", "enum", "const"}

// constraining reports whether kw may constrain values (it is not an
// annotation and not an unknown keyword).
func constraining(kw string) bool {
	if annotations[kw] {
		return false
	}
	if unsupported[kw] || kw == "type" {
		return true
	}
	for _, l := range [][]string{objectKeywords, arrayKeywords, stringKeywords, numberKeywords, combinators} {
		for _, k := range l {
			if k == kw {
				return true
			}
		}
	}
	return false
}

// Command k8sschema writes the JSON schemas that kubeconform validates
// deploy/'s manifests against, offline: for every apiVersion/kind used in
// the manifests, one standalone file named as kubeconform's
// {{.ResourceKind}}{{.KindSuffix}}.json template expects
// (deployment-apps-v1.json, inferencepool-inference-v1.json, ...).
//
// Built-in kinds come from Kubernetes' published OpenAPI v3 documents
// (api/openapi-spec/v3 of the k8s.io/kubernetes module), custom resources
// from their CRD YAML (openAPIV3Schema). Schemas are made strict, as
// kubeconform's -strict schemas are: an object schema that lists its
// properties rejects others, so a misspelt field fails validation.
//
//	go run ./tools/k8sschema -manifests deploy/base -o deploy/schemas \
//	  -openapi "$K8S/api/openapi-spec/v3" -crd "$GIE/config/crd/bases/inference.networking.k8s.io_inferencepools.yaml"
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v4"
)

func main() {
	manifests := flag.String("manifests", "deploy/base", "directory of the manifests (*.yaml) whose kinds need schemas")
	out := flag.String("o", "deploy/schemas", "output directory")
	openapi := flag.String("openapi", "", "directory of Kubernetes OpenAPI v3 documents (*_openapi.json)")
	var crds multi
	flag.Var(&crds, "crd", "a CustomResourceDefinition YAML file (repeatable)")
	flag.Parse()
	if err := run(*manifests, *out, *openapi, crds); err != nil {
		fmt.Fprintln(os.Stderr, "k8sschema:", err)
		os.Exit(1)
	}
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// gvk is a manifest's apiVersion and kind.
type gvk struct{ apiVersion, kind string }

// fileName is kubeconform's {{.ResourceKind}}{{.KindSuffix}}.json: the
// lowercase kind, then -<first label of the group> (none for the core
// group) and -<version>.
func (g gvk) fileName() string {
	group, version, ok := strings.Cut(g.apiVersion, "/")
	if !ok {
		group, version = "", g.apiVersion
	}
	name := strings.ToLower(g.kind)
	if group != "" {
		name += "-" + strings.ToLower(strings.Split(group, ".")[0])
	}
	return name + "-" + strings.ToLower(version) + ".json"
}

func run(manifests, out, openapi string, crds []string) error {
	need, err := kindsIn(manifests)
	if err != nil {
		return err
	}
	have := map[gvk]map[string]any{}
	for _, f := range crds {
		if err := fromCRD(f, have); err != nil {
			return err
		}
	}
	if openapi != "" {
		files, _ := filepath.Glob(filepath.Join(openapi, "*_openapi.json"))
		for _, f := range files {
			if err := fromOpenAPI(f, need, have); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var missing []string
	for _, g := range sortedKeys(need) {
		s, ok := have[g]
		if !ok {
			missing = append(missing, g.apiVersion+" "+g.kind)
			continue
		}
		b, err := json.MarshalIndent(s, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, g.fileName()), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no schema found for %s", strings.Join(missing, ", "))
	}
	return nil
}

func sortedKeys(m map[gvk]bool) []gvk {
	var ks []gvk
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].fileName() < ks[j].fileName() })
	return ks
}

// kindsIn lists the apiVersion/kind pairs of every YAML document in dir,
// skipping kustomize's own files.
func kindsIn(dir string) (map[gvk]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	need := map[gvk]bool{}
	for _, f := range files {
		err := eachDoc(f, func(doc map[string]any) error {
			av, _ := doc["apiVersion"].(string)
			k, _ := doc["kind"].(string)
			if av == "" || k == "" {
				return fmt.Errorf("%s: a document without apiVersion and kind", f)
			}
			if !strings.HasPrefix(av, "kustomize.config.k8s.io/") {
				need[gvk{av, k}] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return need, nil
}

func eachDoc(file string, fn func(map[string]any) error) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	d := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc map[string]any
		if err := d.Decode(&doc); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if doc != nil {
			if err := fn(doc); err != nil {
				return err
			}
		}
	}
}

// fromCRD adds each version's openAPIV3Schema of a CRD.
func fromCRD(file string, have map[gvk]map[string]any) error {
	return eachDoc(file, func(doc map[string]any) error {
		spec, _ := doc["spec"].(map[string]any)
		group, _ := spec["group"].(string)
		names, _ := spec["names"].(map[string]any)
		kind, _ := names["kind"].(string)
		versions, _ := spec["versions"].([]any)
		if group == "" || kind == "" || len(versions) == 0 {
			return fmt.Errorf("%s: not a CustomResourceDefinition with group, kind and versions", file)
		}
		for _, v := range versions {
			vm, _ := v.(map[string]any)
			name, _ := vm["name"].(string)
			schema, _ := vm["schema"].(map[string]any)
			s, ok := schema["openAPIV3Schema"].(map[string]any)
			if !ok {
				return fmt.Errorf("%s: version %q has no openAPIV3Schema", file, name)
			}
			strict(s)
			have[gvk{group + "/" + name, kind}] = s
		}
		return nil
	})
}

// fromOpenAPI adds the needed kinds defined in one OpenAPI v3 document, each
// with the component schemas it references, as JSON Schema definitions.
func fromOpenAPI(file string, need map[gvk]bool, have map[gvk]map[string]any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	all := doc.Components.Schemas
	for name, s := range all {
		for _, g := range gvksOf(s) {
			if !need[g] || have[g] != nil {
				continue
			}
			defs := map[string]any{}
			if err := collect(name, all, defs); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			have[g] = map[string]any{"$ref": "#/definitions/" + name, "definitions": defs}
		}
	}
	return nil
}

// gvksOf reads x-kubernetes-group-version-kind.
func gvksOf(s map[string]any) []gvk {
	var out []gvk
	list, _ := s["x-kubernetes-group-version-kind"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		g, _ := m["group"].(string)
		v, _ := m["version"].(string)
		k, _ := m["kind"].(string)
		av := v
		if g != "" {
			av = g + "/" + v
		}
		out = append(out, gvk{av, k})
	}
	return out
}

const refPrefix = "#/components/schemas/"

// collect copies schema name and everything it references into defs,
// rewriting references to #/definitions/.
func collect(name string, all map[string]map[string]any, defs map[string]any) error {
	if _, done := defs[name]; done {
		return nil
	}
	s, ok := all[name]
	if !ok {
		return fmt.Errorf("reference to missing schema %q", name)
	}
	c := deepCopy(s).(map[string]any)
	defs[name] = c
	var refs []string
	walk(c, func(m map[string]any) {
		if r, ok := m["$ref"].(string); ok && strings.HasPrefix(r, refPrefix) {
			refs = append(refs, r[len(refPrefix):])
			m["$ref"] = "#/definitions/" + r[len(refPrefix):]
		}
	})
	strict(c)
	for _, r := range refs {
		if err := collect(r, all, defs); err != nil {
			return err
		}
	}
	return nil
}

// strict makes every object schema that lists properties (and says nothing
// of others) reject unlisted ones, and drops descriptions to keep the files
// small.
func strict(s map[string]any) {
	walk(s, func(m map[string]any) {
		delete(m, "description")
		_, open := m["x-kubernetes-preserve-unknown-fields"]
		if _, ok := m["properties"].(map[string]any); ok && !open {
			if _, set := m["additionalProperties"]; !set {
				m["additionalProperties"] = false
			}
		}
	})
}

// walk calls fn on every schema object in v, parents first. A
// "properties" map holds property names, not schemas, so fn is not called
// on it (a property named "description" stays).
func walk(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for k, e := range x {
			if k == "properties" {
				if props, ok := e.(map[string]any); ok {
					for _, p := range props {
						walk(p, fn)
					}
					continue
				}
			}
			walk(e, fn)
		}
	case []any:
		for _, e := range x {
			walk(e, fn)
		}
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

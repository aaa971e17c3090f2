package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFileName(t *testing.T) {
	for _, c := range []struct {
		g    gvk
		want string
	}{
		{gvk{"apps/v1", "Deployment"}, "deployment-apps-v1.json"},
		{gvk{"v1", "Service"}, "service-v1.json"},
		{gvk{"rbac.authorization.k8s.io/v1", "RoleBinding"}, "rolebinding-rbac-v1.json"},
		{gvk{"inference.networking.k8s.io/v1", "InferencePool"}, "inferencepool-inference-v1.json"},
	} {
		if got := c.g.fileName(); got != c.want {
			t.Errorf("%v: %s, want %s", c.g, got, c.want)
		}
	}
}

// TestRun converts a small OpenAPI document and CRD for the manifests in a
// directory: references are followed and rewritten, objects made strict,
// a property named "description" kept, open objects left open.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "m"), 0o755)
	os.Mkdir(filepath.Join(dir, "api"), 0o755)
	write("m/a.yaml", "apiVersion: apps/v1\nkind: Thing\n---\napiVersion: ex.io/v2\nkind: Pool\n")
	write("m/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
	write("api/apis__apps__v1_openapi.json", `{"components":{"schemas":{
	  "a.Thing":{"description":"d","x-kubernetes-group-version-kind":[{"group":"apps","version":"v1","kind":"Thing"}],
	    "properties":{"spec":{"allOf":[{"$ref":"#/components/schemas/a.Spec"}]}}},
	  "a.Spec":{"properties":{"description":{"type":"string"}}},
	  "a.Unused":{"type":"string"}}}}`)
	write("crd.yaml", `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: ex.io
  names: {kind: Pool}
  versions:
  - name: v2
    schema:
      openAPIV3Schema:
        properties:
          spec:
            x-kubernetes-preserve-unknown-fields: true
            properties: {a: {type: string}}
`)
	out := filepath.Join(dir, "out")
	if err := run(filepath.Join(dir, "m"), out, filepath.Join(dir, "api"), []string{filepath.Join(dir, "crd.yaml")}); err != nil {
		t.Fatal(err)
	}
	read := func(name string) any {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		json.Unmarshal(b, &v)
		return v
	}
	var want any
	json.Unmarshal([]byte(`{"$ref":"#/definitions/a.Thing","definitions":{
	  "a.Thing":{"x-kubernetes-group-version-kind":[{"group":"apps","version":"v1","kind":"Thing"}],"additionalProperties":false,
	    "properties":{"spec":{"allOf":[{"$ref":"#/definitions/a.Spec"}]}}},
	  "a.Spec":{"additionalProperties":false,"properties":{"description":{"type":"string"}}}}}`), &want)
	if got := read("thing-apps-v1.json"); !reflect.DeepEqual(got, want) {
		t.Errorf("thing:\n got %v\nwant %v", got, want)
	}
	json.Unmarshal([]byte(`{"additionalProperties":false,"properties":{"spec":{"x-kubernetes-preserve-unknown-fields":true,"properties":{"a":{"type":"string"}}}}}`), &want)
	if got := read("pool-ex-v2.json"); !reflect.DeepEqual(got, want) {
		t.Errorf("pool:\n got %v\nwant %v", got, want)
	}
	write("m/b.yaml", "apiVersion: v1\nkind: Missing\n")
	if err := run(filepath.Join(dir, "m"), out, filepath.Join(dir, "api"), nil); err == nil {
		t.Error("a kind without a schema was not reported")
	}
}

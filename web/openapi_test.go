package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite web/openapi.json from the route table")

// TestOpenAPIGolden keeps web/openapi.json, the readable copy of the
// document, identical to the one served.
func TestOpenAPIGolden(t *testing.T) {
	doc := OpenAPI()
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if v["openapi"] != "3.0.3" {
		t.Errorf("openapi: got %v", v["openapi"])
	}
	if *update {
		if err := os.WriteFile("openapi.json", doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, want) {
		t.Error("web/openapi.json differs from the served document; run go test ./web -run OpenAPI -update")
	}
	seen := map[[2]string]bool{}
	for _, r := range OpenAPIRoutes() {
		if seen[r] {
			t.Errorf("%s %s described twice", r[0], r[1])
		}
		seen[r] = true
		if _, _, ok := Access(r[0], r[1]); !ok {
			t.Errorf("%s %s: described but not in the access table", r[0], r[1])
		}
	}
}

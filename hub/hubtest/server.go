// Package hubtest serves a fake Hugging Face hub from files on disk, for
// tests of package hub and of the commands that pull models.
//
// A directory root/<org>/<name>/ is one repository: its files (recursively)
// are the repository's files, except hub.json, which may add files stored
// elsewhere and set flags:
//
//	{"files": {"model.safetensors": "../../../llama4-tiny/f32/model.safetensors"},
//	 "private": false, "gated": false}
//
// Paths in "files" are relative to the repository directory. Files named
// *.safetensors, *.gguf, *.bin, *.model, *.pth or of 1 MiB and more are
// served as Git LFS files (with an lfs.sha256); the others with a git blob
// sha1 only; LFS files are redirected (302) to a "CDN" URL on the same server,
// where the file requests are counted. Each repository has one commit, the sha1 of its file list; the
// revision "main" or that commit reaches it.
package hubtest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running fake hub. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	// Token is the token that may read private and gated repositories.
	Token string

	repos map[string]*repo

	mu        sync.Mutex
	apiCalls  int
	fileCalls int
	ranges    []string
	corrupt   map[string]bool
	cutAfter  int64
}

type repo struct {
	id      string
	commit  string
	private bool
	gated   bool
	files   map[string]*file
}

type file struct {
	name   string
	data   []byte
	sha256 string
	blobID string
	lfs    bool
}

type manifest struct {
	Files   map[string]string `json:"files"`
	Private bool              `json:"private"`
	Gated   bool              `json:"gated"`
}

// NewServer starts a fake hub serving the repositories under root; it is
// closed when the test ends. The token that opens private and gated
// repositories is "hf_test".
func NewServer(t testing.TB, root string) *Server {
	t.Helper()
	s := &Server{Token: "hf_test", repos: map[string]*repo{}, corrupt: map[string]bool{}}
	orgs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if !o.IsDir() {
			continue
		}
		names, err := os.ReadDir(filepath.Join(root, o.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if n.IsDir() {
				r, err := loadRepo(filepath.Join(root, o.Name(), n.Name()), o.Name()+"/"+n.Name())
				if err != nil {
					t.Fatal(err)
				}
				s.repos[r.id] = r
			}
		}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func loadRepo(dir, id string) (*repo, error) {
	r := &repo{id: id, files: map[string]*file{}}
	add := func(name, p string) error {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := sha1.New()
		fmt.Fprintf(h, "blob %d\x00", len(b))
		h.Write(b)
		ext := strings.ToLower(path.Ext(name))
		r.files[name] = &file{name: name, data: b, sha256: hex.EncodeToString(sum[:]), blobID: hex.EncodeToString(h.Sum(nil)),
			lfs: len(b) >= 1<<20 || ext == ".safetensors" || ext == ".gguf" || ext == ".bin" || ext == ".model" || ext == ".pth"}
		return nil
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel == "hub.json" {
			return nil
		}
		return add(filepath.ToSlash(rel), p)
	})
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "hub.json")); err == nil {
		var m manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s/hub.json: %w", dir, err)
		}
		r.private, r.gated = m.Private, m.Gated
		for name, p := range m.Files {
			if err := add(name, filepath.Join(dir, filepath.FromSlash(p))); err != nil {
				return nil, err
			}
		}
	}
	h := sha1.New()
	for _, n := range r.names() {
		fmt.Fprintf(h, "%s %s\n", n, r.files[n].sha256)
	}
	r.commit = hex.EncodeToString(h.Sum(nil))
	return r, nil
}

func (r *repo) names() []string {
	var ns []string
	for n := range r.files {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// Commit is the commit hash of repository id ("" when there is none).
func (s *Server) Commit(id string) string {
	if r := s.repos[id]; r != nil {
		return r.commit
	}
	return ""
}

// SHA256 is the sha256 (hex) of a file of repository id.
func (s *Server) SHA256(id, name string) string {
	if r := s.repos[id]; r != nil && r.files[name] != nil {
		return r.files[name].sha256
	}
	return ""
}

// Data is the content of a file of repository id (not to be modified).
func (s *Server) Data(id, name string) []byte {
	if r := s.repos[id]; r != nil && r.files[name] != nil {
		return r.files[name].data
	}
	return nil
}

// Corrupt makes the server send the file with one byte changed (same size).
func (s *Server) Corrupt(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt[id+"/"+name] = true
}

// CutAfter makes file responses break off after n body bytes (0: never).
func (s *Server) CutAfter(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutAfter = n
}

// Counts is the number of API and file requests served so far.
func (s *Server) Counts() (api, files int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiCalls, s.fileCalls
}

// Ranges are the Range headers of the file requests so far ("" for none).
func (s *Server) Ranges() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

// hubError writes an error response the way the hub does.
func hubError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Error-Code", code)
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}

// segments splits the escaped URL path into unescaped parts.
func segments(r *http.Request) ([]string, bool) {
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

func (s *Server) serve(w http.ResponseWriter, req *http.Request) {
	parts, ok := segments(req)
	if !ok || req.Method != http.MethodGet {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	switch {
	case len(parts) >= 4 && parts[0] == "api" && parts[1] == "models":
		s.mu.Lock()
		s.apiCalls++
		s.mu.Unlock()
		rev := "main"
		if len(parts) == 6 && parts[4] == "revision" {
			rev = parts[5]
		} else if len(parts) != 4 {
			hubError(w, http.StatusNotFound, "", "Not found")
			return
		}
		r := s.access(w, req, parts[2]+"/"+parts[3], false)
		if r == nil {
			return
		}
		if rev != "main" && rev != r.commit {
			hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
			return
		}
		s.info(w, r)
	case len(parts) >= 5 && parts[2] == "resolve":
		r := s.access(w, req, parts[0]+"/"+parts[1], true)
		if r == nil {
			return
		}
		if rev := parts[3]; rev != "main" && rev != r.commit {
			hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
			return
		}
		name := strings.Join(parts[4:], "/")
		f := r.files[name]
		if f == nil {
			hubError(w, http.StatusNotFound, "EntryNotFound", name+" does not exist on \"main\"")
			return
		}
		w.Header().Set("X-Repo-Commit", r.commit)
		if f.lfs && req.URL.Query().Get("cdn") == "" {
			// The hub sends LFS files from a CDN: redirect, as it does.
			w.Header().Set("X-Linked-Etag", `"`+f.sha256+`"`)
			w.Header().Set("X-Linked-Size", fmt.Sprint(len(f.data)))
			http.Redirect(w, req, req.URL.EscapedPath()+"?cdn=1", http.StatusFound)
			return
		}
		s.mu.Lock()
		s.fileCalls++
		s.ranges = append(s.ranges, req.Header.Get("Range"))
		cut, corrupt := s.cutAfter, s.corrupt
		s.mu.Unlock()
		data := f.data
		s.mu.Lock()
		bad := corrupt[r.id+"/"+name]
		s.mu.Unlock()
		if bad && len(data) > 0 {
			data = bytes.Clone(data)
			data[len(data)/2] ^= 0xff
		}
		if f.lfs {
			w.Header().Set("ETag", `"`+f.sha256+`"`)
		} else {
			w.Header().Set("ETag", `"`+f.blobID+`"`)
		}
		var out http.ResponseWriter = w
		if cut > 0 {
			out = &cutWriter{ResponseWriter: w, left: cut}
		}
		http.ServeContent(out, req, "", time.Time{}, bytes.NewReader(data))
	default:
		hubError(w, http.StatusNotFound, "", "Not found")
	}
}

// access finds repository id and checks the token as the hub does: a
// private repository is 401 without a token and 404 with a wrong one; a
// gated one lists its files to anyone but serves them (files) only with the
// token, 401 without and 403 with a wrong one.
func (s *Server) access(w http.ResponseWriter, req *http.Request, id string, files bool) *repo {
	r := s.repos[id]
	auth := req.Header.Get("Authorization")
	good := auth == "Bearer "+s.Token
	switch {
	case r == nil || (r.private && !good && auth != ""):
		hubError(w, http.StatusNotFound, "RepoNotFound", "Repository not found")
		return nil
	case r.private && !good:
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Invalid username or password.")
		return nil
	case r.gated && files && !good && auth == "":
		hubError(w, http.StatusUnauthorized, "GatedRepo", "Access to model "+id+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
		return nil
	case r.gated && files && !good:
		hubError(w, http.StatusForbidden, "GatedRepo", "Access to model "+id+" is restricted and you are not in the authorized list.")
		return nil
	}
	return r
}

type siblingJSON struct {
	Name   string   `json:"rfilename"`
	Size   int      `json:"size"`
	BlobID string   `json:"blobId"`
	LFS    *lfsJSON `json:"lfs,omitempty"`
}

type lfsJSON struct {
	SHA256      string `json:"sha256"`
	Size        int    `json:"size"`
	PointerSize int    `json:"pointerSize"`
}

func (s *Server) info(w http.ResponseWriter, r *repo) {
	var sib []siblingJSON
	for _, n := range r.names() {
		f := r.files[n]
		sj := siblingJSON{Name: n, Size: len(f.data), BlobID: f.blobID}
		if f.lfs {
			sj.LFS = &lfsJSON{SHA256: f.sha256, Size: len(f.data), PointerSize: 134}
		}
		sib = append(sib, sj)
	}
	var gated any = false
	if r.gated {
		gated = "manual"
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"_id": r.commit[:24], "id": r.id, "modelId": r.id, "sha": r.commit,
		"private": r.private, "gated": gated, "disabled": false,
		"tags": []string{"safetensors", "llama4"}, "siblings": sib,
	})
}

// cutWriter passes on at most left body bytes, then aborts the response.
type cutWriter struct {
	http.ResponseWriter
	left int64
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= c.left {
		c.left -= int64(len(p))
		return c.ResponseWriter.Write(p)
	}
	c.ResponseWriter.Write(p[:c.left])
	c.left = 0
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}

package hub

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// RepoInfo is what the hub's model API says of one revision of a repository.
type RepoInfo struct {
	// ID is the repository id ("org/name") as the hub spells it.
	ID string `json:"id"`
	// SHA is the commit (40 lowercase hex digits) the revision resolved to.
	SHA string `json:"sha"`
	// GatedRaw is the hub's "gated" field: false, "auto" or "manual".
	GatedRaw json.RawMessage `json:"gated"`
	// Siblings are the repository's files, sorted by name. Entries whose
	// name is not a clean relative path are dropped.
	Siblings []Sibling `json:"siblings"`
}

// Sibling is one file of a repository.
type Sibling struct {
	// Name is the path inside the repository, "/"-separated.
	Name string `json:"rfilename"`
	// Size is the file's size in bytes (present with ?blobs=true).
	Size int64 `json:"size"`
	// BlobID is the git blob sha1 (40 hex digits) of the file as committed
	// (for LFS files, of the pointer).
	BlobID string `json:"blobId"`
	// LFS is set for files stored with Git LFS.
	LFS *LFSInfo `json:"lfs"`
}

// LFSInfo describes the content of a Git LFS file.
type LFSInfo struct {
	SHA256 string `json:"sha256"` // 64 lowercase hex digits
	Size   int64  `json:"size"`   // bytes
}

// Gated reports whether accepting conditions is needed to download files.
func (r *RepoInfo) Gated() bool {
	s := string(r.GatedRaw)
	return s != "" && s != "false" && s != "null"
}

// Lookup returns the sibling named name.
func (r *RepoInfo) Lookup(name string) (Sibling, bool) {
	i := sort.Search(len(r.Siblings), func(i int) bool { return r.Siblings[i].Name >= name })
	if i < len(r.Siblings) && r.Siblings[i].Name == name {
		return r.Siblings[i], true
	}
	return Sibling{}, false
}

// etag is the name of the file's blob in the cache: the LFS sha256, else the
// git blob sha1.
func (s Sibling) etag() string {
	if s.LFS != nil {
		return s.LFS.SHA256
	}
	return s.BlobID
}

// Limits on what the API may send.
const (
	maxInfoBytes = 32 << 20 // the JSON document
	maxSiblings  = 1 << 20  // files in one repository
	maxFileSize  = 1 << 50  // one file (1 PiB)
)

// parseInfo reads and checks one model API response: at most maxInfoBytes,
// a 40-hex commit, sizes in [0, maxFileSize], hashes of the right form. It
// drops siblings whose names are unsafe as local paths and sorts the rest.
func parseInfo(r io.Reader) (*RepoInfo, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInfoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the repository info: %w", err)
	}
	if len(b) > maxInfoBytes {
		return nil, fmt.Errorf("repository info over %d bytes", maxInfoBytes)
	}
	var info RepoInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("repository info: %w", err)
	}
	if !isHex(info.SHA, 40) {
		return nil, fmt.Errorf("repository info: commit %q is not 40 hex digits", info.SHA)
	}
	if len(info.Siblings) > maxSiblings {
		return nil, fmt.Errorf("repository info: %d files (at most %d)", len(info.Siblings), maxSiblings)
	}
	kept := info.Siblings[:0]
	for _, s := range info.Siblings {
		if checkFile(s.Name) != nil {
			continue
		}
		if s.LFS != nil {
			if !isHex(s.LFS.SHA256, 64) {
				return nil, fmt.Errorf("repository info: %s: LFS sha256 %q is not 64 hex digits", s.Name, s.LFS.SHA256)
			}
			if s.LFS.Size < 0 || s.LFS.Size > maxFileSize {
				return nil, fmt.Errorf("repository info: %s: LFS size %d out of range", s.Name, s.LFS.Size)
			}
			s.Size = s.LFS.Size
		}
		if s.Size < 0 || s.Size > maxFileSize {
			return nil, fmt.Errorf("repository info: %s: size %d out of range", s.Name, s.Size)
		}
		if s.BlobID != "" && !isHex(s.BlobID, 40) {
			return nil, fmt.Errorf("repository info: %s: blobId %q is not 40 hex digits", s.Name, s.BlobID)
		}
		kept = append(kept, s)
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Name < kept[j].Name })
	for i := 1; i < len(kept); i++ {
		if kept[i].Name == kept[i-1].Name {
			return nil, fmt.Errorf("repository info: file %s listed twice", kept[i].Name)
		}
	}
	info.Siblings = kept
	return &info, nil
}

// isHex reports whether s is n lowercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

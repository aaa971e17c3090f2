package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// incompleteSuffix marks a blob still being downloaded (huggingface_hub's name).
const incompleteSuffix = ".incomplete"

// cached reports whether the snapshot already has file s: a regular file
// (through its symlink) of the right size.
func cached(snapPath string, s Sibling) bool {
	st, err := os.Stat(snapPath)
	return err == nil && st.Mode().IsRegular() && st.Size() == s.Size
}

// fetch makes snapshots/<commit>/<s.Name> in dir (a repository's cache
// folder) hold file s, downloading its blob unless the blob is there: into
// blobs/<etag>.incomplete, resumed with a Range request when that exists,
// checked against the hub's sha256 (LFS files) or git blob sha1 (others),
// then renamed to blobs/<etag> and linked from the snapshot.
func (c *Client) fetch(ctx context.Context, base, repo, commit, dir string, s Sibling, prog *progress) error {
	snap := filepath.Join(dir, "snapshots", commit, filepath.FromSlash(s.Name))
	if cached(snap, s) {
		prog.skip(s.Size)
		return nil
	}
	blobs := filepath.Join(dir, "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	etag := s.etag()
	if etag == "" {
		// No hash to name the blob by: name it after the commit and path.
		sum := sha256.Sum256([]byte(commit + "/" + s.Name))
		etag = "unverified-" + hex.EncodeToString(sum[:20])
	}
	blob := filepath.Join(blobs, etag)
	// One download of a blob at a time, huggingface_hub's lock file included.
	locks := filepath.Join(filepath.Dir(dir), ".locks", filepath.Base(dir))
	if err := os.MkdirAll(locks, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	unlock, err := lockFile(filepath.Join(locks, etag+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if st, err := os.Stat(blob); err != nil || !st.Mode().IsRegular() || st.Size() != s.Size {
		if err := c.download(ctx, c.fileURL(base, repo, commit, s.Name), repo, blob+incompleteSuffix, s, prog); err != nil {
			return err
		}
		if err := os.Rename(blob+incompleteSuffix, blob); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
	} else {
		prog.skip(s.Size)
	}
	return link(blob, snap)
}

// newHash is the hasher that checks s, the hex digest it must give ("" when
// the hub gave none), and the name of the hash for messages.
func newHash(s Sibling) (hash.Hash, string, string) {
	if s.LFS != nil {
		return sha256.New(), s.LFS.SHA256, "sha256"
	}
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", s.Size) // git's blob object header
	return h, s.BlobID, "git blob sha1"
}

// download fills tmp with the s.Size bytes at u, keeping what tmp already
// holds when the server honours Range, and checks the hash. On a hash
// mismatch it deletes tmp; on other failures it keeps it for the next try.
func (c *Client) download(ctx context.Context, u, repo, tmp string, s Sibling, prog *progress) (err error) {
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("cache: %w", cerr)
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	have := st.Size()
	if have > s.Size {
		have = 0
	}
	h, want, hashName := newHash(s)
	if have > 0 {
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, have)); err != nil {
			return fmt.Errorf("cache: reading %s: %w", tmp, err)
		}
	}
	prog.skip(have)
	if have < s.Size {
		var resp *http.Response
		if have > 0 {
			resp, err = c.get(ctx, u, "Range", "bytes="+strconv.FormatInt(have, 10)+"-")
		} else {
			resp, err = c.get(ctx, u)
		}
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusPartialContent && have > 0 &&
			strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(have, 10)+"-"):
			// Resuming.
		case resp.StatusCode == http.StatusOK:
			if have > 0 { // Range not honoured: start again.
				prog.skip(-have)
				have = 0
				h, _, _ = newHash(s)
			}
		default:
			if resp.StatusCode/100 == 2 {
				return fmt.Errorf("%s/%s: unexpected HTTP %d (Content-Range %q) to a request from byte %d", repo, s.Name, resp.StatusCode, resp.Header.Get("Content-Range"), have)
			}
			return responseError(resp, repo+"/"+s.Name)
		}
		if err := f.Truncate(have); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		if _, err := f.Seek(have, io.SeekStart); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		n, err := io.Copy(io.MultiWriter(f, h, prog), io.LimitReader(resp.Body, s.Size-have+1))
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s/%s: %w (%d of %d bytes kept in %s for the next pull)", repo, s.Name, ctx.Err(), have+n, s.Size, tmp)
			}
			var pe *os.PathError
			if errors.As(err, &pe) {
				return fmt.Errorf("cache: %w", err)
			}
			return fmt.Errorf("%s/%s: download broke after %d of %d bytes (kept in %s; pull again to resume): %w", repo, s.Name, have+n, s.Size, tmp, err)
		}
		if have+n != s.Size {
			return fmt.Errorf("%s/%s: the hub sent %d bytes, its metadata says %d (kept in %s; pull again to resume)", repo, s.Name, have+n, s.Size, tmp)
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); want != "" && got != want {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("%s/%s: %s mismatch: the hub says %s, the download is %s (deleted %s)", repo, s.Name, hashName, want, got, tmp)
	}
	return nil
}

// link makes snap a relative symlink to blob (as huggingface_hub does), or,
// where symlinks are not possible, a hard link or a copy.
func link(blob, snap string) error {
	if err := os.MkdirAll(filepath.Dir(snap), 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Remove(snap); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cache: %w", err)
	}
	rel, err := filepath.Rel(filepath.Dir(snap), blob)
	if err == nil && os.Symlink(rel, snap) == nil {
		return nil
	}
	if os.Link(blob, snap) == nil {
		return nil
	}
	in, err := os.Open(blob)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer in.Close()
	out, err := os.Create(snap)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("cache: copying %s: %w", blob, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

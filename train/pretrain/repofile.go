package pretrain

import (
	"fmt"
	"os"
	"path/filepath"
)

// RepoFile resolves rel (a preset's data file) against the repository
// root: the nearest directory at or above the working directory that holds
// go.mod. A file that is not there is an error.
func RepoFile(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%s not found", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above the working directory to find %s from", rel)
		}
		dir = parent
	}
}

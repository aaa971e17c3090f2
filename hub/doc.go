// Package hub downloads model repositories from a Hugging Face-compatible hub
// into a local cache.
//
// The cache has the huggingface_hub layout, so that models already
// downloaded by huggingface-cli (or transformers, llama.cpp, …) are reused
// and the other way round:
//
//	$HF_HUB_CACHE (default $HF_HOME/hub, HF_HOME default ~/.cache/huggingface)
//	└── models--<org>--<name>/
//	    ├── blobs/<etag>               file contents; etag is the sha256 of LFS
//	    │                              files, the git blob sha1 of others
//	    ├── blobs/<etag>.incomplete    a download under way (resumed with Range)
//	    ├── refs/<revision>            the commit a branch or tag was last seen at
//	    └── snapshots/<commit>/<file>  relative symlinks to ../../blobs/<etag>
//
// The hub API used is the one huggingface_hub uses:
// GET {endpoint}/api/models/{org}/{name}/revision/{rev}?blobs=true for the
// commit and the file list (with sizes and hashes), and
// GET {endpoint}/{org}/{name}/resolve/{commit}/{file} for the bytes, with
// "Authorization: Bearer $HF_TOKEN" when a token is set.
package hub

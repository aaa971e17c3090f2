// Package hub downloads model repositories from a Hugging Face-compatible hub
// into a local cache.
//
// The cache has the huggingface_hub layout, so that models already
// downloaded by huggingface-cli (or transformers, llama.cpp, …) are reused
// and the other way round:
//
//	$HF_HUB_CACHE (default $HF_HOME/hub, HF_HOME default ~/.cache/huggingface)
//	├── .locks/models--<org>--<name>/<etag>.lock   flock'd during a download
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
// "Authorization: Bearer $HF_TOKEN" when a token is set. With
// HF_HUB_OFFLINE=1, or when the hub cannot be reached, a pull is answered
// from the cache; Resolve never uses the network.
package hub

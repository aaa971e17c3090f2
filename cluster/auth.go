package cluster

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"
)

// SecretEnv is the environment variable that holds the shared secret of a
// cluster: every process (leader and workers) needs the same value.
const SecretEnv = "HERD_CLUSTER_SECRET"

// MinSecretLen is the shortest secret accepted, in bytes.
const MinSecretLen = 16

// ErrWrongSecret is the handshake error when the peer's certificate was not
// derived from this process's secret.
var ErrWrongSecret = errors.New("the peer's TLS certificate is not derived from this $" + SecretEnv + " (the processes have different secrets)")

// Auth authenticates both ends of every connection with a key derived from
// the shared secret: an Ed25519 key pair from HKDF-SHA256(secret), wrapped in
// a self-signed certificate that each side presents and pins.
type Auth struct {
	cert tls.Certificate
	pub  ed25519.PublicKey
}

// AuthFromEnv reads the secret from $HERD_CLUSTER_SECRET.
func AuthFromEnv() (*Auth, error) {
	s, ok := os.LookupEnv(SecretEnv)
	if !ok || s == "" {
		return nil, fmt.Errorf("$%s is not set: every process of a cluster needs the same secret (e.g. export %s=$(openssl rand -hex 16))", SecretEnv, SecretEnv)
	}
	return NewAuth(s)
}

// NewAuth derives the key pair and certificate of a secret (at least
// MinSecretLen bytes).
func NewAuth(secret string) (*Auth, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("$%s is %d bytes; use at least %d random bytes (e.g. openssl rand -hex 16)", SecretEnv, len(secret), MinSecretLen)
	}
	seed, err := hkdf.Key(sha256.New, []byte(secret), []byte("herd cluster v1"), "ed25519 identity", ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("cluster: deriving the key: %w", err)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "herd cluster"},
		NotBefore:    time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:     []string{"herd-cluster"},
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, pub, priv)
	if err != nil {
		return nil, fmt.Errorf("cluster: making the certificate: %w", err)
	}
	return &Auth{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}, pub: pub}, nil
}

// verify accepts exactly the certificate key this secret derives. TLS 1.3's
// CertificateVerify has already proved the peer holds the private key.
func (a *Auth) verify(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return fmt.Errorf("cluster: the peer sent no certificate: %w", ErrWrongSecret)
	}
	c, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("cluster: the peer's certificate: %w", err)
	}
	pub, ok := c.PublicKey.(ed25519.PublicKey)
	if !ok || !bytes.Equal(pub, a.pub) {
		return ErrWrongSecret
	}
	return nil
}

// ServerConfig is the TLS configuration of a worker's listener: TLS 1.3,
// HTTP/2, and a client certificate from the same secret required.
func (a *Auth) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion:            tls.VersionTLS13,
		Certificates:          []tls.Certificate{a.cert},
		ClientAuth:            tls.RequireAnyClientCert,
		VerifyPeerCertificate: a.verify,
		NextProtos:            []string{"h2"},
	}
}

// ClientConfig is the TLS configuration of the leader's connections: the
// worker's certificate is checked by its pinned key (not by a CA or a host
// name, hence InsecureSkipVerify with VerifyPeerCertificate).
func (a *Auth) ClientConfig() *tls.Config {
	return &tls.Config{
		MinVersion:            tls.VersionTLS13,
		Certificates:          []tls.Certificate{a.cert},
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: a.verify,
		NextProtos:            []string{"h2"},
	}
}

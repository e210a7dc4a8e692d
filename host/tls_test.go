package host_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/redis/go-redis/v9"

	"github.com/redmod/redmod/host"
)

// testPKI is a throwaway CA with a server and a client certificate.
type testPKI struct {
	dir                 string
	caFile, certFile    string
	keyFile             string
	pool                *x509.CertPool
	client, otherClient tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	p := &testPKI{dir: dir}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "redmod test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	p.pool = x509.NewCertPool()
	p.pool.AddCert(ca)
	p.caFile = writePEM(t, dir, "ca.crt", "CERTIFICATE", caDER)

	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, signer *x509.Certificate, signerKey *ecdsa.PrivateKey) ([]byte, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	srvDER, srvKey := issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, ca, caKey)
	p.certFile = writePEM(t, dir, "server.crt", "CERTIFICATE", srvDER)
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	p.keyFile = writePEM(t, dir, "server.key", "EC PRIVATE KEY", keyDER)
	cliDER, cliKey := issue(3, "client", x509.ExtKeyUsageClientAuth, ca, caKey)
	p.client = tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}
	// A client certificate from another, unknown CA.
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &otherKey.PublicKey, otherKey)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := x509.ParseCertificate(otherDER)
	badDER, badKey := issue(4, "intruder", x509.ExtKeyUsageClientAuth, other, otherKey)
	p.otherClient = tls.Certificate{Certificate: [][]byte{badDER}, PrivateKey: badKey}
	return p
}

func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func serveTLS(t *testing.T, p *testPKI, auth string) string {
	t.Helper()
	cfg := testConfig()
	cfg.TLS = host.TLSConfig{CertFile: p.certFile, KeyFile: p.keyFile, CACertFile: p.caFile, AuthClients: auth}
	srv, err := host.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetLogger(hclog.NewNullLogger())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeTLS(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func pingTLS(addr string, tc *tls.Config) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, TLSConfig: tc, MaxRetries: -1, DialTimeout: 3 * time.Second})
	defer rdb.Close()
	return rdb.Ping(context.Background()).Err()
}

func TestTLS(t *testing.T) {
	p := newTestPKI(t)
	withCert := &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.client}}
	noCert := &tls.Config{RootCAs: p.pool}
	badCert := &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.otherClient}}

	addr := serveTLS(t, p, "yes")
	if err := pingTLS(addr, withCert); err != nil {
		t.Errorf("client certificate, auth yes: %v", err)
	}
	if err := pingTLS(addr, noCert); err == nil {
		t.Error("no client certificate accepted with tls-auth-clients yes")
	}
	if err := pingTLS(addr, badCert); err == nil {
		t.Error("a certificate from an unknown CA was accepted")
	}
	// Plaintext on the TLS port gets no Redis reply.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.Write([]byte("PING\r\n"))
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	n, _ := nc.Read(buf)
	nc.Close()
	if string(buf[:n]) == "+PONG\r\n" || (n > 0 && (buf[0] == '+' || buf[0] == '-')) {
		t.Errorf("plaintext on the TLS port answered %q", buf[:n])
	}

	addr = serveTLS(t, p, "optional")
	if err := pingTLS(addr, noCert); err != nil {
		t.Errorf("no certificate, auth optional: %v", err)
	}
	if err := pingTLS(addr, badCert); err == nil {
		t.Error("optional: a bad certificate was accepted")
	}
	addr = serveTLS(t, p, "no")
	if err := pingTLS(addr, noCert); err != nil {
		t.Errorf("no certificate, auth no: %v", err)
	}
	// The server's certificate is checked by the client.
	if err := pingTLS(addr, &tls.Config{}); err == nil {
		t.Error("a client without the CA trusted the server")
	}
}

// TestTLSPortFromConfig starts the TLS listener the way `--tls-port` does,
// through ListenAndServe, next to the plain port.
func TestTLSPortFromConfig(t *testing.T) {
	p := newTestPKI(t)
	free := func() int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	}
	cfg := testConfig()
	cfg.Port = free()
	cfg.TLS = host.TLSConfig{Port: free(), CertFile: p.certFile, KeyFile: p.keyFile, CACertFile: p.caFile, AuthClients: "no"}
	srv, err := host.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetLogger(hclog.NewNullLogger())
	go srv.ListenAndServe()
	t.Cleanup(func() { srv.Close() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.TLS.Port))
	var pingErr error
	for i := 0; i < 100; i++ {
		if pingErr = pingTLS(addr, &tls.Config{RootCAs: p.pool}); pingErr == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pingErr != nil {
		t.Fatalf("PING over the configured TLS port: %v", pingErr)
	}
}

package host

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
)

// TLSConfig builds the TLS configuration from the tls-* settings: the
// server's certificate, and the client certificates required
// (tls-auth-clients yes), checked when sent (optional) or ignored (no)
// against tls-ca-cert-file.
func (s *Server) TLSConfig() (*tls.Config, error) {
	cfg := s.Config().TLS
	if cfg.CertFile == "" || cfg.KeyFile == "" {
		return nil, errors.New("TLS needs tls-cert-file and tls-key-file")
	}
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("loading tls-cert-file/tls-key-file: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	switch cfg.AuthClients {
	case "no":
		tc.ClientAuth = tls.NoClientCert
	case "optional":
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	default:
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if tc.ClientAuth != tls.NoClientCert {
		if cfg.CACertFile == "" {
			return nil, errors.New("tls-auth-clients needs tls-ca-cert-file (or set tls-auth-clients no)")
		}
		pem, err := os.ReadFile(cfg.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("reading tls-ca-cert-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls-ca-cert-file %s holds no PEM certificate", cfg.CACertFile)
		}
		tc.ClientCAs = pool
	}
	return tc, nil
}

// ServeTLS accepts TLS connections on ln until Close; ln is a plain TCP
// listener that ServeTLS wraps. The handshake happens on the client's own
// goroutine, so a client that never completes it delays no one. A client
// speaking plaintext fails the handshake and is closed without a reply.
func (s *Server) ServeTLS(ln net.Listener) error {
	tc, err := s.TLSConfig()
	if err != nil {
		ln.Close()
		return err
	}
	tln := tls.NewListener(ln, tc)
	s.mu.Lock()
	if s.tlsLn != nil {
		s.mu.Unlock()
		ln.Close()
		return errors.New("server already serves TLS")
	}
	s.tlsLn = tln
	s.mu.Unlock()
	s.log.Info("ready to accept TLS connections", "addr", ln.Addr().String())
	return s.acceptLoop(tln)
}

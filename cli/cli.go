// Package cli is the command line of redmod binaries: it starts the server
// with the modules the binary was built with, and answers the subcommands
// that describe the binary. A trimmed binary's main calls Main too.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/registry"
)

// Main runs the redmod command line with args (without the program name)
// and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "modules":
			return listModules(stdout)
		case "commands":
			return printCommands(args[1:], stdout, stderr, registry.Default)
		case "version":
			fmt.Fprintf(stdout, "redmod %s (Redis %s compatible)\n", host.Version, host.RedisVersion)
			return 0
		}
	}
	cfg := host.DefaultConfig()
	fs := flag.NewFlagSet("redmod", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host.RegisterFlags(fs, &cfg)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: redmod [flags]\n       redmod modules | commands | version\n\nFlags (Redis setting names):\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "redmod: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	srv, err := host.New(cfg, registry.Default)
	if err != nil {
		fmt.Fprintf(stderr, "redmod: %v\n", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case s := <-sig:
		srv.Logger().Info("received signal, shutting down", "signal", s.String())
		if err := srv.Close(); err != nil {
			srv.Logger().Error("final save failed", "error", err)
			return 1
		}
		return 0
	case <-srv.Done():
		<-errc
		return 0
	case err := <-errc:
		if err != nil {
			srv.Logger().Error("server failed", "error", err)
			srv.Close()
			return 1
		}
		return 0
	}
}

func listModules(w io.Writer) int {
	for _, m := range registry.Default.Modules() {
		fmt.Fprintf(w, "%s\t%d commands\n", m.Name(), len(m.Commands()))
	}
	return 0
}

package core

import (
	"time"

	"github.com/hashicorp/go-hclog"
)

// Module is a family of commands, registered from an init function with
// registry.Register. Besides Commands, a module may implement any of
// TypeProvider, Provisioner, Validator, Starter, Stopper and InfoProvider; the
// host calls them at the right moments.
type Module interface {
	// Name is the module's short name ("strings"), as `redmod modules` and
	// INFO modules show it.
	Name() string
	// Commands returns the module's commands.
	Commands() []Command
}

// TypeProvider is a module that adds data types; their snapshot decoders are
// registered with the module.
type TypeProvider interface {
	Types() []*Type
}

// Provisioner is a module that needs the server's resources. Provision is
// called once, before the server accepts connections.
type Provisioner interface {
	Provision(m *ModuleContext) error
}

// Validator is a module that checks its configuration after provisioning;
// an error stops start-up with a clear message.
type Validator interface {
	Validate() error
}

// Starter is a module with background work, started after provisioning.
type Starter interface {
	Start() error
}

// Stopper is a module that must release resources at shutdown.
type Stopper interface {
	Stop() error
}

// InfoProvider is a module that adds fields to INFO. InfoSections names
// the module's own sections; Info returns the fields for a section, which
// may also be a standard one ("stats") that the module extends.
type InfoProvider interface {
	InfoSections() []string
	Info(section string) []InfoField
}

// InfoField is one "name:value" line of INFO.
type InfoField struct {
	Name, Value string
}

// ModuleContext is what a module receives when it is provisioned.
type ModuleContext struct {
	// Logger is a logger named after the module.
	Logger hclog.Logger
	// Keyspace holds the data; code outside a command changes it only
	// through Keyspace.Update.
	Keyspace *Keyspace
	// Server gives access to server-wide services.
	Server Server
	// Config holds the module's settings from redmod's configuration.
	Config ConfigReader
}

// ConfigReader reads settings.
type ConfigReader interface {
	// Get returns the value of a setting and whether it exists.
	Get(name string) (string, bool)
}

// Server is what the host offers to commands and modules.
type Server interface {
	// Save writes a snapshot now and waits for it.
	Save() error
	// BackgroundSave starts a snapshot and returns at once; an error means
	// one could not start (one is already running, or persistence is off).
	BackgroundSave() error
	// LastSave returns the time of the last successful save.
	LastSave() time.Time
	// Info renders INFO for the given sections (none: the default set).
	Info(sections []string) string
	// Shutdown stops the server, saving first unless save is false.
	Shutdown(save bool) error
	// ConfigGet returns the settings whose names match the glob pattern.
	ConfigGet(pattern string) []InfoField
	// ConfigSet changes settings; all or none are applied.
	ConfigSet(pairs []InfoField) error
	// Clients returns the connected clients.
	Clients() []*Client
	// KillClient closes the connection of a client.
	KillClient(id int64) bool
}

public import ArgumentParser
public import CertTools
public import ConfigModel
public import Logging
public import Stores

// CertTools' vocabulary, parsed straight from the command line by raw value.
extension KeyAlgorithm: ExpressibleByArgument {}
extension CertificateProfile: ExpressibleByArgument {}
extension ChainVerifier.Purpose: ExpressibleByArgument {}

extension PSKSecretEncoding: ExpressibleByArgument {}
extension UserImportFile.Kind: ExpressibleByArgument {}

// `--tls-version tlsv1.2`, with EMQX's names.
extension TLSVersion: ExpressibleByArgument {}

// swift-log's levels, by name (`--log-level debug`).
extension Logger.Level: @retroactive ExpressibleByArgument {}

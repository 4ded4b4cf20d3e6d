// A small Helm library: what Kargo's steps need from Helm 3.21, in-process. Chart metadata and
// lock files, SemVer constraints with Helm's semantics, classic chart repositories, chart
// archives, and dependency update/build (oci:// through the helm binary).

export {
  ChartError,
  CHART_FILE,
  formatChartLock,
  formatGenerated,
  goJSON,
  hashRequirements,
  lockFileName,
  parseChartLock,
  parseChartMetadata,
  readChartMetadata,
  type ChartDependency,
  type ChartLock,
  type ChartMetadata,
  type LockedDependency
} from './chart.js';
export { setDependencyVersions, type DependencyVersionEdit } from './chart-yaml-edit.js';
export { createTarGz, packageChartDir, readChartArchive, readTarFiles, type PackagedChart, type TarFile } from './archive.js';
export {
  chartDownloadURL,
  downloadChart,
  fetchRepositoryIndex,
  httpGet,
  indexURL,
  parseRepositoryIndex,
  RepositoryError,
  sameRepositoryURL,
  type BasicAuth,
  type ChartVersionEntry,
  type HttpOptions,
  type RepositoryIndex
} from './repo.js';
export {
  compareVersions,
  isValidConstraint,
  parseConstraint,
  parseVersion,
  SemverError,
  tryParseVersion,
  type Constraint,
  type Version
} from './semver.js';
export { findHelmBinary, HELM_NOT_FOUND_HINT, HelmBinaryError, IsolatedHelm, ociHost } from './oci.js';
export {
  buildDependencies,
  compareLockedVersions,
  HelmDependencyError,
  updateDependencies,
  type DependencyLogger,
  type DependencyManagerOptions,
  type DependencyUpdate,
  type UpdateResult
} from './dependencies.js';

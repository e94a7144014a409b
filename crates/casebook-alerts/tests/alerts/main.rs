//! Alert reading: the vendored real samples of every source, format detection, and hostile or broken input.

mod hostile;
mod samples;

// placeholder until the generator writes this directory
pub mod models {}

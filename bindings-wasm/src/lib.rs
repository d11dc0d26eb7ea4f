//! WebAssembly binding: not implemented yet (issue 4). This crate is a workspace
//! placeholder so the layout is fixed; it exports nothing.

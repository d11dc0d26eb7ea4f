//! Python binding: not implemented yet (issue 5). This crate is a workspace
//! placeholder so the layout is fixed; it exports nothing.

//! Rendering a [`Config`](crate::ast::Config) back to keepalived.conf text.

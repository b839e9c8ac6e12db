pub mod pending;
pub mod render;
pub mod show;
pub mod switch;
pub mod validate;

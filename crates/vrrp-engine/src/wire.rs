//! VRRP wire formats (to be filled by the codec work).

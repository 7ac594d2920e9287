// The Asio error categories that smtp_reply.hpp's headers refer to. The project compiles Asio once, in
// src/io/asio_impl.cpp (BOOST_ASIO_SEPARATE_COMPILATION), which the fuzz build cannot take (see
// CMakeLists.txt); the categories are all the harnesses need of it.
#include <boost/asio/impl/error.ipp>

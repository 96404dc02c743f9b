// The dashboard's files, compiled into the controller (generated from
// controller/server/dashboard/ by cmake/embed_assets.cmake).
#ifndef MICROSCALE_CONTROLLER_SERVER_DASHBOARD_ASSETS_H_
#define MICROSCALE_CONTROLLER_SERVER_DASHBOARD_ASSETS_H_

namespace microscale::dashboard_assets {

extern const char kIndexHtml[];
extern const char kDashboardJs[];
extern const char kDashboardCss[];

}  // namespace microscale::dashboard_assets

#endif  // MICROSCALE_CONTROLLER_SERVER_DASHBOARD_ASSETS_H_
